//! Figures derived from the state, defined once: the widgets, `snapshot`, the events and the
//! red-flag rules all call these, so what one shows another never contradicts.

use alloy::primitives::{Address, B256, U256};

use crate::format::{rfc3339, sanitize};
use crate::state::exits::PoolState;
use crate::state::transfers::WalletHistory;
use crate::state::{AppState, SourceName, SourceStatus};

/// The market sources, in the order paper value prefers them and every table lists them.
pub const MARKET_SOURCES: [SourceName; 3] = [
    SourceName::Coingecko,
    SourceName::Coinpaprika,
    SourceName::Dexscreener,
];

/// The most decimals an amount can have: 10^78 overflows 256 bits, so a token claiming more
/// cannot mean it (the claim stays evidence for the token checks; amounts use `[token]`'s).
pub const MAX_DECIMALS: u8 = 77;

/// The decimals amounts are read with: the contract's answer when it can be one, else what
/// `[token]` expects (validated to at most [`MAX_DECIMALS`]).
pub fn usable_decimals(answered: Option<u8>, expected: u8) -> u8 {
    answered.filter(|&d| d <= MAX_DECIMALS).unwrap_or(expected)
}

/// The token's decimals as its contract answers them, else as `[token]` expects them.
pub fn decimals(state: &AppState) -> u8 {
    usable_decimals(state.token.decimals, state.token.expected_decimals)
}

/// The sum of `amounts`, or `None` past 2^256 (a hostile token can answer any balance; a
/// wrapped sum would be a small, wrong figure).
pub fn checked_total(amounts: impl IntoIterator<Item = U256>) -> Option<U256> {
    amounts
        .into_iter()
        .try_fold(U256::ZERO, |total, amount| total.checked_add(amount))
}

/// A pool's liquidity in USD: the POP and WETH it holds, each valued at the pool's own spot
/// price and the ETH/USD feed (for V1 and V2, twice the ETH side; a V3 pool's balances can be
/// lopsided). What the pool holds, not what a sale can take from it: that is its depth.
/// `None` without the feed.
pub fn pool_liquidity_usd(state: &AppState, pool: &PoolState) -> Option<f64> {
    let eth_usd = state.eth_usd.as_ref()?.price();
    let pop_in_eth = f64::from(pool.pop_reserve_raw) * pool.spot_weth_per_pop;
    Some((pop_in_eth + f64::from(pool.weth_reserve_wei)) / 1e18 * eth_usd)
}

/// A pool's spot price of one whole POP in USD (its own state's price, at the ETH/USD feed's
/// price). `None` without the feed.
pub fn pool_price_usd(state: &AppState, pool: &PoolState) -> Option<f64> {
    let eth_usd = state.eth_usd.as_ref()?.price();
    Some(pool.spot_weth_per_pop * 10f64.powi(i32::from(decimals(state))) / 1e18 * eth_usd)
}

/// The deepest pool, whose spot price is the on-chain price: the one that can absorb the most
/// POP within 1% price impact (then 3, 5, 10, 15% if none can take one whole POP within
/// less). Depth, not balances: a V3 pool's balances may sit far from its price, and a pool
/// with much ETH but a narrow range absorbs little. `None` when no pool can absorb one POP
/// within 15%: no price is set there.
pub fn deepest_pool(state: &AppState) -> Option<&PoolState> {
    // The impact thresholds every pool's depth is computed at, smallest first.
    let mut thresholds: Vec<f64> = state
        .pools
        .iter()
        .flat_map(|p| p.sellable_within.iter().map(|(pct, _)| *pct))
        .collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds.dedup();
    thresholds.iter().find_map(|&pct| {
        state
            .pools
            .iter()
            .filter_map(|p| {
                let (_, amount) = p.sellable_within.iter().find(|(at, _)| *at == pct)?;
                Some((p, (*amount)?))
            })
            .max_by(|(a, x), (b, y)| x.cmp(y).then(a.weth_reserve_wei.cmp(&b.weth_reserve_wei)))
            .map(|(p, _)| p)
    })
}

/// How often `source` refreshes, in seconds.
pub fn refresh_interval_secs(state: &AppState, source: SourceName) -> u64 {
    match source {
        SourceName::Chain | SourceName::Chainlink => state.rules.refresh_secs,
        _ => state.rules.market_refresh_secs,
    }
}

/// A source's data is stale once older than twice its refresh interval, in seconds.
pub fn stale_after_secs(state: &AppState, source: SourceName) -> i64 {
    i64::try_from(refresh_interval_secs(state, source).saturating_mul(2)).unwrap_or(i64::MAX)
}

/// What is wrong with a source, in words (sanitized), or `None` when it answered.
pub fn source_problem(status: &SourceStatus) -> Option<String> {
    match status {
        SourceStatus::Ok => None,
        SourceStatus::Loading => Some("no answer".to_owned()),
        SourceStatus::Failed { error } => Some(sanitize(error)),
        SourceStatus::Unavailable { reason } => Some(sanitize(reason)),
        SourceStatus::RateLimited { until } => {
            Some(format!("rate-limited until {}", rfc3339(*until)))
        }
    }
}

/// Two addresses that a person comparing the first and last 4 hex digits (2 bytes each) would
/// take for each other, yet different: what address poisoning counts on.
pub fn looks_like(a: Address, b: Address) -> bool {
    a != b && a[..2] == b[..2] && a[18..] == b[18..]
}

/// A transfer into a watched wallet from a lookalike of an address the wallet dealt with
/// before (another watched wallet, or an earlier counterparty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookalike {
    pub tx: B256,
    pub log_index: u64,
    /// Who sent it.
    pub sender: Address,
    /// The known address it imitates.
    pub imitates: Address,
}

/// Every lookalike transfer in `history` of `wallet`, oldest first; `watched` are all the
/// watched wallets. Only what came before a transfer counts as known: the genuine address is
/// never marked for looking like the fake that came after it.
pub fn lookalikes(wallet: Address, history: &WalletHistory, watched: &[Address]) -> Vec<Lookalike> {
    let mut known: Vec<Address> = watched.iter().copied().filter(|a| *a != wallet).collect();
    let mut found = Vec::new();
    for t in &history.transfers {
        let incoming = t.to == wallet;
        let counterparty = if incoming { t.from } else { t.to };
        if incoming && let Some(imitates) = known.iter().find(|k| looks_like(counterparty, **k)) {
            found.push(Lookalike {
                tx: t.tx,
                log_index: t.log_index,
                sender: counterparty,
                imitates: *imitates,
            });
        }
        if !known.contains(&counterparty) {
            known.push(counterparty);
        }
    }
    found
}

/// What a wallet must be able to pay up front to send its exit: the exit's gas units at twice
/// the current gas price (an EIP-1559 wallet offers a maximum fee of about twice the base fee,
/// and the node checks the balance against gas limit × maximum fee before running anything).
pub fn upfront_gas_wei(exit: &crate::state::exits::Exit, gas_price: U256) -> U256 {
    U256::from(exit.gas_units)
        .saturating_mul(gas_price)
        .saturating_mul(U256::from(2u8))
}

/// The most of the supply that can circulate, by the chain: `totalSupply` less what sits at
/// the burn addresses and in the token contract (raw units; a complete log index only).
pub fn chain_circulating_bound(state: &AppState) -> Option<U256> {
    use crate::state::holders::SupplyPart;
    let h = state.holders.as_ref().filter(|h| h.complete)?;
    let out = h
        .breakdown
        .iter()
        .filter(|l| matches!(l.part, SupplyPart::Burnt | SupplyPart::TokenContract))
        .fold(U256::ZERO, |s, l| s.saturating_add(l.amount));
    Some(h.total_supply.saturating_sub(out))
}
