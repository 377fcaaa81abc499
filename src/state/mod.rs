//! The app state, the `Update` enum (the one contract between data sources and front ends), and
//! `AppState::apply`, the one place where updates change state. Front ends (the TUI,
//! `snapshot`, `events`) only read the state.

pub mod chain;
pub mod exits;
pub mod figures;
pub mod holders;
pub mod market;
pub mod transfers;
mod update;

use std::collections::{BTreeMap, HashMap};

use alloy::primitives::{Address, U256};
use serde::Serialize;
use time::OffsetDateTime;

use crate::config::Config;
use chain::{ChainReading, EthUsd};
use exits::{Exit, ExitReading, PoolState, Quote};
use market::{MarketQuote, MarketVenue, Peer};
pub use update::Update;

/// Every data source popwatch knows, by its stable name (PRODUCT.md: `sources[].name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceName {
    Chain,
    Chainlink,
    Coingecko,
    Coinpaprika,
    Dexscreener,
}

impl SourceName {
    pub const ALL: [SourceName; 5] = [
        SourceName::Chain,
        SourceName::Chainlink,
        SourceName::Coingecko,
        SourceName::Coinpaprika,
        SourceName::Dexscreener,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceName::Chain => "chain",
            SourceName::Chainlink => "chainlink",
            SourceName::Coingecko => "coingecko",
            SourceName::Coinpaprika => "coinpaprika",
            SourceName::Dexscreener => "dexscreener",
        }
    }
}

/// What the user can see of a source: is it loading, fresh, failed, or not available at all?
#[derive(Debug, Clone, PartialEq)]
pub enum SourceStatus {
    /// No answer yet.
    Loading,
    /// The last refresh succeeded.
    Ok,
    /// The last refresh failed; earlier figures (if any) are kept and shown stale.
    Failed { error: String },
    /// This build of popwatch cannot read the source (yet); its figures are unknown.
    Unavailable { reason: String },
    /// The provider asked us to wait (or our own budget is spent) until then.
    RateLimited { until: OffsetDateTime },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub status: SourceStatus,
    /// When the source last answered successfully.
    pub last_ok_at: Option<OffsetDateTime>,
    /// When the source itself last updated what it answered (a provider's `last_updated`,
    /// Chainlink's `updatedAt`), where it says.
    pub as_of: Option<OffsetDateTime>,
}

impl SourceState {
    fn loading() -> Self {
        Self {
            status: SourceStatus::Loading,
            last_ok_at: None,
            as_of: None,
        }
    }

    /// The age of its figures: the older of when they were fetched and when their source
    /// last updated them.
    pub fn observed_at(&self) -> Option<OffsetDateTime> {
        match (self.last_ok_at, self.as_of) {
            (Some(fetched), Some(as_of)) => Some(fetched.min(as_of)),
            (fetched, as_of) => fetched.or(as_of),
        }
    }
}

/// The watched token: what the config expects and, once read, what the chain says.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenState {
    pub address: Address,
    pub expected_name: String,
    pub expected_symbol: String,
    pub expected_decimals: u8,
    pub expected_total_supply_raw: Option<U256>,
    /// On-chain facts; `None` until the chain source reads them.
    pub name: Option<String>,
    pub symbol: Option<String>,
    pub decimals: Option<u8>,
    pub total_supply_raw: Option<U256>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WalletState {
    pub label: String,
    pub address: Address,
    pub pop_raw: Option<U256>,
    pub eth_wei: Option<U256>,
    /// Its whole balance sold in each pool alone.
    pub quotes: Vec<Quote>,
    /// Its best exit net of gas; `None` with no POP or no pool.
    pub exit: Option<Exit>,
    pub sell_check: Option<exits::SellCheck>,
    /// Its Transfer and Approval history, once the logs are scanned.
    pub history: Option<transfers::WalletHistory>,
    /// Its ENS reverse name, verified forward (untrusted text: sanitized where shown).
    pub ens_name: Option<String>,
}

impl WalletState {
    /// A configured wallet before the chain has answered for it: every figure unknown.
    pub fn unread(config: &crate::config::WalletConfig) -> Self {
        Self {
            label: config.label.clone(),
            address: config.address,
            pop_raw: None,
            eth_wei: None,
            quotes: Vec::new(),
            exit: None,
            sell_check: None,
            history: None,
            ens_name: None,
        }
    }
}

/// How many price observations a source keeps for the sparkline (7 days at one a minute is
/// 10,080; the history issue stores the rest).
pub const PRICE_HISTORY_LEN: usize = 2_000;

/// The block the chain figures were read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    pub number: u64,
    pub time: OffsetDateTime,
}

/// An RPC endpoint refused because it serves another chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedEndpoint {
    pub endpoint: String,
    pub expected: u64,
    pub got: u64,
}

/// Config facts the red-flag rules need.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSettings {
    pub thresholds: crate::config::Thresholds,
    pub alert_price_move_pct: f64,
    pub refresh_secs: u64,
    pub market_refresh_secs: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub chain_id: u64,
    pub rules: RuleSettings,
    pub token: TokenState,
    pub wallets: Vec<WalletState>,
    pub sources: BTreeMap<SourceName, SourceState>,
    pub block: Option<BlockInfo>,
    /// The RPC endpoint that answered last (redacted).
    pub endpoint: Option<String>,
    pub eth_usd: Option<EthUsd>,
    pub refused_endpoints: Vec<RefusedEndpoint>,
    /// HTTP requests and JSON-RPC calls of the last chain refresh.
    pub last_chain_cost: Option<(u64, u64)>,
    /// The gas price of the last exits; `None` when unknown (or no exits yet).
    pub gas_price_wei: Option<U256>,
    /// Whether exits were computed from a chain reading yet.
    pub exits_computed: bool,
    pub pools: Vec<PoolState>,
    /// Pools found whose state could not be read at the last refresh: unknown, not absent.
    pub unread_pools: Vec<Address>,
    /// Every wallet's POP sold together: what the portfolio would really fetch.
    pub portfolio_exit: Option<Exit>,
    /// How the portfolio's exit would be executed: its steps, who is left out, the alternative.
    pub portfolio_plan: Option<exits::PortfolioPlan>,
    /// Reverse names of the wallets' counterparties, verified forward (as `ens_name`).
    pub counterparty_names: HashMap<Address, String>,
    /// The latest figures of each market source.
    pub market: BTreeMap<SourceName, MarketQuote>,
    /// The token's latest Transfer of all (for dormancy), once the logs are scanned.
    pub latest_transfer: Option<transfers::TransferSeen>,
    /// The token's log index, once an extension has ended.
    pub index: Option<transfers::IndexSummary>,
    /// Who holds the token, once the index was judged with `totalSupply` read.
    pub holders: Option<holders::HoldersReading>,
    /// The extension under way, for the progress bar.
    pub index_progress: Option<crate::state::transfers::IndexProgress>,
    /// Why the last extension failed, until one succeeds.
    pub index_error: Option<String>,
    /// The last block the log scan processed.
    pub logs_block: Option<u64>,
    /// Why the last log scan failed, until one succeeds: the transfers shown are older.
    pub logs_error: Option<String>,
    /// Since when the Transfer scan has seen every log (its window's first block's time).
    pub logs_covered_since: Option<OffsetDateTime>,
    /// Whether the scan's window starts at the chain's first block.
    pub logs_from_first_block: bool,
    /// Why the history store cannot write, until it can again.
    pub history_error: Option<String>,
    /// The last block an earlier run processed (from the history), if any.
    pub resume_block: Option<u64>,
    /// Peer coins per source.
    pub peers: BTreeMap<SourceName, Vec<Peer>>,
    /// Where the coin trades, per source.
    pub venues: BTreeMap<SourceName, Vec<MarketVenue>>,
    /// The portfolio's paper value and exit value (USD) at each chain refresh, oldest first.
    pub portfolio_history: std::collections::VecDeque<(OffsetDateTime, Option<f64>, Option<f64>)>,
    /// Observed prices per source, oldest first, for sparklines.
    pub price_history: BTreeMap<SourceName, std::collections::VecDeque<(OffsetDateTime, f64)>>,
}

impl AppState {
    /// The ENS name of `address` where known: a watched wallet's, else a counterparty's or a
    /// holder's (reverse names verified forward).
    pub fn name_of(&self, address: Address) -> Option<&str> {
        self.wallets
            .iter()
            .find(|w| w.address == address)
            .and_then(|w| w.ens_name.as_deref())
            .or_else(|| self.counterparty_names.get(&address).map(String::as_str))
    }

    /// The state before any source answered: the config's facts, every figure unknown, every
    /// source loading.
    pub fn new(config: &Config) -> Self {
        let t = &config.token;
        Self {
            chain_id: config.chain.chain_id,
            rules: RuleSettings {
                thresholds: config.thresholds.clone(),
                alert_price_move_pct: config.alert_price_move_pct,
                refresh_secs: config.refresh_secs,
                market_refresh_secs: config.market_refresh_secs,
            },
            token: TokenState {
                address: t.address,
                expected_name: t.expected_name.clone(),
                expected_symbol: t.expected_symbol.clone(),
                expected_decimals: t.expected_decimals,
                expected_total_supply_raw: t.expected_total_supply.to_raw(t.expected_decimals),
                name: None,
                symbol: None,
                decimals: None,
                total_supply_raw: None,
            },
            wallets: config.wallets.iter().map(WalletState::unread).collect(),
            sources: SourceName::ALL
                .into_iter()
                .map(|s| (s, SourceState::loading()))
                .collect(),
            block: None,
            endpoint: None,
            eth_usd: None,
            refused_endpoints: Vec::new(),
            last_chain_cost: None,
            gas_price_wei: None,
            exits_computed: false,
            unread_pools: Vec::new(),
            pools: Vec::new(),
            portfolio_exit: None,
            portfolio_plan: None,
            counterparty_names: HashMap::new(),
            market: BTreeMap::new(),
            latest_transfer: None,
            index: None,
            holders: None,
            index_progress: None,
            index_error: None,
            logs_block: None,
            logs_error: None,
            logs_covered_since: None,
            logs_from_first_block: false,
            history_error: None,
            resume_block: None,
            peers: BTreeMap::new(),
            venues: BTreeMap::new(),
            portfolio_history: std::collections::VecDeque::new(),
            price_history: BTreeMap::new(),
        }
    }

    /// Folds one update into the state. The only function that changes `AppState`.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::WalletsConfigured(configured) => self.set_wallets(&configured),
            Update::SourceOk { source, at } => {
                let state = self.source_mut(source);
                state.status = SourceStatus::Ok;
                state.last_ok_at = Some(at);
            }
            Update::SourceFailed { source, error } => {
                self.source_mut(source).status = SourceStatus::Failed { error };
            }
            Update::SourceUnavailable { source, reason } => {
                self.source_mut(source).status = SourceStatus::Unavailable { reason };
            }
            Update::ChainRead(reading) => self.apply_chain(*reading),
            Update::Restored { balances, prices } => {
                // Only where nothing fresher is known: a restored figure never overwrites a read.
                let mut latest_balance = None;
                let index = self.wallet_index();
                for (address, pop, at) in balances {
                    if let Some(w) = index
                        .get(&address)
                        .map(|&i| &mut self.wallets[i])
                        .filter(|w| w.pop_raw.is_none())
                    {
                        w.pop_raw = Some(pop);
                        latest_balance = latest_balance.max(Some(at));
                    }
                }
                if let Some(at) = latest_balance {
                    let chain = self.source_mut(SourceName::Chain);
                    if chain.last_ok_at.is_none() {
                        chain.status = SourceStatus::Ok;
                        chain.last_ok_at = Some(at);
                    }
                }
                for (source, price, at) in prices {
                    if self.market.contains_key(&source) {
                        continue;
                    }
                    self.market.insert(
                        source,
                        MarketQuote {
                            price_usd: Some(price),
                            fetched_at: Some(at),
                            ..MarketQuote::default()
                        },
                    );
                    let state = self.source_mut(source);
                    if state.last_ok_at.is_none() {
                        state.status = SourceStatus::Ok;
                        state.last_ok_at = Some(at);
                    }
                }
            }
            Update::ResumeFrom(block) => self.resume_block = Some(block),
            Update::PortfolioHistory(points) => {
                let mut merged: Vec<_> = points
                    .into_iter()
                    .chain(self.portfolio_history.drain(..))
                    .collect();
                merged.sort_by_key(|(at, _, _)| *at);
                merged.dedup_by_key(|(at, _, _)| *at);
                let skip = merged.len().saturating_sub(PRICE_HISTORY_LEN);
                self.portfolio_history = merged.into_iter().skip(skip).collect();
            }
            Update::LogsFailed { error } => self.logs_error = Some(error),
            Update::EnsNames(names) => {
                let index = self.wallet_index();
                for (address, name) in names {
                    if let Some(&i) = index.get(&address) {
                        self.wallets[i].ens_name = name;
                    } else if let Some(name) = name {
                        self.counterparty_names.insert(address, name);
                    } else {
                        self.counterparty_names.remove(&address);
                    }
                }
            }
            Update::HistoryWrite { error } => self.history_error = error,
            Update::Logs(reading) => {
                self.logs_error = None;
                self.logs_block = Some(reading.block);
                self.logs_covered_since = reading.covered_since;
                self.logs_from_first_block = reading.from_first_block;
                if reading.latest_transfer.is_some() {
                    self.latest_transfer = reading.latest_transfer;
                }
                let index = self.wallet_index();
                for h in reading.wallets {
                    if let Some(&i) = index.get(&h.address) {
                        let w = &mut self.wallets[i];
                        w.history = Some(h);
                    }
                }
            }
            Update::Index(summary) => {
                // The index reads every Transfer up to the head: its last is the true last,
                // newer than (or the same as) the window scan's.
                if let Some(last) = &summary.last_transfer
                    && self
                        .latest_transfer
                        .as_ref()
                        .is_none_or(|t| (t.block, t.log_index) <= (last.block, last.log_index))
                {
                    self.latest_transfer = Some(last.clone());
                }
                self.index = Some(*summary);
                self.index_progress = None;
                self.index_error = None;
            }
            Update::Holders(reading) => self.holders = Some(*reading),
            Update::IndexProgress(progress) => self.index_progress = progress,
            Update::IndexFailed { error } => {
                self.index_progress = None;
                self.index_error = Some(error);
            }
            Update::SourceRateLimited { source, until } => {
                self.source_mut(source).status = SourceStatus::RateLimited { until };
            }
            Update::Peers { source, peers } => {
                self.peers.insert(source, peers);
            }
            Update::Venues { source, venues } => {
                self.venues.insert(source, venues);
            }
            Update::PriceChart { source, points } => {
                // The provider's chart and local observations, merged by time.
                let history = self.price_history.entry(source).or_default();
                let mut merged: Vec<(OffsetDateTime, f64)> =
                    history.iter().copied().chain(points).collect();
                merged.sort_by_key(|(at, _)| *at);
                merged.dedup_by_key(|(at, _)| *at);
                let skip = merged.len().saturating_sub(PRICE_HISTORY_LEN);
                *history = merged.into_iter().skip(skip).collect();
            }
            Update::Exits(reading) => self.apply_exits(*reading),
            Update::Market { source, quote } => {
                if let (Some(price), Some(at)) = (quote.price_usd, quote.fetched_at) {
                    let history = self.price_history.entry(source).or_default();
                    if history.back().is_none_or(|(last, _)| *last < at) {
                        history.push_back((at, price));
                    }
                    while history.len() > PRICE_HISTORY_LEN {
                        history.pop_front();
                    }
                }
                let state = self.source_mut(source);
                state.status = SourceStatus::Ok;
                state.last_ok_at = quote.fetched_at.or(state.last_ok_at);
                state.as_of = quote.as_of;
                self.market.insert(source, *quote);
            }
            Update::EndpointRefused {
                endpoint,
                expected,
                got,
            } => {
                let refused = RefusedEndpoint {
                    endpoint,
                    expected,
                    got,
                };
                if !self.refused_endpoints.contains(&refused) {
                    self.refused_endpoints.push(refused);
                }
            }
        }
    }

    fn apply_exits(&mut self, r: ExitReading) {
        if self.block.is_some_and(|b| b.number > r.block) {
            return;
        }
        let at = self.block.map(|b| b.time);
        self.gas_price_wei = r.gas_price_wei;
        self.exits_computed = true;
        self.pools = r.pools;
        self.portfolio_exit = r.portfolio_exit;
        self.portfolio_plan = r.portfolio_plan;
        // Moved, not copied: a thousand wallets' quotes and legs are megabytes.
        let mut by_address: HashMap<Address, exits::WalletExit> =
            r.wallets.into_iter().map(|x| (x.address, x)).collect();
        for w in &mut self.wallets {
            match by_address.remove(&w.address) {
                Some(x) => {
                    w.quotes = x.quotes;
                    w.exit = x.exit;
                    w.sell_check = x.sell_check;
                }
                None => {
                    w.quotes.clear();
                    w.exit = None;
                    w.sell_check = None;
                }
            }
        }
        // One point of the portfolio chart per chain refresh.
        if let Some(at) = at {
            let paper: Option<f64> = self
                .wallets
                .iter()
                .map(|w| self.paper_value(w).map(|(v, _)| v))
                .sum();
            let exit = self
                .portfolio_exit
                .as_ref()
                .and_then(|e| self.wei_usd(e.net_eth_wei()?));
            if self
                .portfolio_history
                .back()
                .is_none_or(|(last, _, _)| *last < at)
            {
                self.portfolio_history.push_back((at, paper, exit));
            }
            while self.portfolio_history.len() > PRICE_HISTORY_LEN {
                self.portfolio_history.pop_front();
            }
        }
    }

    /// The POP price in USD by PRODUCT.md's `value_usd` rule: the first market source with a
    /// price (coingecko, coinpaprika, dexscreener), else the deepest pool's spot price × ETH/USD.
    /// A source whose coin lists another contract is another coin's price: skipped
    /// (`contract_mismatch` says so).
    pub fn paper_price(&self) -> Option<(f64, &'static str)> {
        for source in [
            SourceName::Coingecko,
            SourceName::Coinpaprika,
            SourceName::Dexscreener,
        ] {
            if let Some(price) = self
                .market
                .get(&source)
                .filter(|q| !q.lists_another_contract(self.token.address))
                .and_then(|q| q.price_usd)
            {
                return Some((price, source.as_str()));
            }
        }
        Some((self.onchain_price_usd()?, "onchain"))
    }

    /// The deepest pool's spot price of one whole POP in USD (see [`figures::deepest_pool`]).
    pub fn onchain_price_usd(&self) -> Option<f64> {
        figures::pool_price_usd(self, figures::deepest_pool(self)?)
    }

    /// A wallet's paper value in USD and the source of the price used.
    pub fn paper_value(&self, wallet: &WalletState) -> Option<(f64, &'static str)> {
        let (price, source) = self.paper_price()?;
        let decimals = figures::decimals(self);
        let pop = f64::from(wallet.pop_raw?) / 10f64.powi(i32::from(decimals));
        Some((pop * price, source))
    }

    /// Wei in USD at the chain's ETH/USD.
    pub fn wei_usd(&self, wei: alloy::primitives::I256) -> Option<f64> {
        let eth_usd = self.eth_usd.as_ref()?.price();
        let eth: f64 = wei.to_string().parse::<f64>().ok()? / 1e18;
        Some(eth * eth_usd)
    }

    fn apply_chain(&mut self, r: ChainReading) {
        // A reading older than what is shown never replaces it (the reader already refuses
        // lagging endpoints; this keeps the state monotonic whatever the order of updates),
        // unless the reader gave the shown block up: no endpoint confirmed it any more.
        let gives_up = |b: &BlockInfo| r.gives_up_block == Some(b.number);
        if self
            .block
            .is_some_and(|b| b.number > r.block && !gives_up(&b))
        {
            return;
        }
        self.block = Some(BlockInfo {
            number: r.block,
            time: r.block_time,
        });
        self.endpoint = Some(r.endpoint);
        self.unread_pools = r.unread_pools;
        self.last_chain_cost = Some((r.http_requests, r.rpc_calls));
        let t = &mut self.token;
        t.name = r.token.name;
        t.symbol = r.token.symbol;
        t.decimals = r.token.decimals;
        t.total_supply_raw = r.token.total_supply_raw;
        let index = self.wallet_index();
        for balance in r.balances {
            if let Some(w) = index.get(&balance.address).map(|&i| &mut self.wallets[i]) {
                // A single read that failed leaves the last known figure in place.
                w.pop_raw = balance.pop_raw.or(w.pop_raw);
                w.eth_wei = balance.eth_wei.or(w.eth_wei);
            }
        }
        let chain = self.source_mut(SourceName::Chain);
        chain.status = SourceStatus::Ok;
        chain.last_ok_at = Some(r.observed_at);
        match r.eth_usd {
            Ok(feed) => {
                let chainlink = self.source_mut(SourceName::Chainlink);
                chainlink.as_of = Some(feed.updated_at.min(r.observed_at));
                if feed.stale {
                    chainlink.status = SourceStatus::Failed {
                        error: format!(
                            "stale: last updated {}",
                            crate::format::rfc3339(feed.updated_at)
                        ),
                    };
                } else {
                    chainlink.status = SourceStatus::Ok;
                    chainlink.last_ok_at = Some(r.observed_at);
                }
                self.eth_usd = Some(feed);
            }
            Err(error) => {
                self.source_mut(SourceName::Chainlink).status = SourceStatus::Failed { error };
            }
        }
    }

    /// The config's wallets now: a wallet still watched keeps what is known of it (under its
    /// new label), a new one starts unread, a removed one goes. The portfolio's exit was of
    /// the old set, so it is unknown until the next chain refresh.
    fn set_wallets(&mut self, configured: &[crate::config::WalletConfig]) {
        let mut known: HashMap<Address, WalletState> =
            self.wallets.drain(..).map(|w| (w.address, w)).collect();
        let before = known.len();
        self.wallets = configured
            .iter()
            .map(|c| match known.remove(&c.address) {
                Some(w) => WalletState {
                    label: c.label.clone(),
                    ..w
                },
                None => WalletState::unread(c),
            })
            .collect();
        if !known.is_empty() || self.wallets.len() != before {
            self.portfolio_exit = None;
            self.portfolio_plan = None;
        }
    }

    /// Where each wallet sits in `wallets`: updates carry thousands of wallets, and a linear
    /// search for each would make applying one quadratic.
    fn wallet_index(&self) -> HashMap<Address, usize> {
        self.wallets
            .iter()
            .enumerate()
            .map(|(i, w)| (w.address, i))
            .collect()
    }

    fn source_mut(&mut self, source: SourceName) -> &mut SourceState {
        self.sources
            .entry(source)
            .or_insert_with(SourceState::loading)
    }

    /// True when the chain source has answered at least once.
    pub fn chain_read(&self) -> bool {
        self.sources
            .get(&SourceName::Chain)
            .is_some_and(|s| s.last_ok_at.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn new_state_knows_config_facts_and_nothing_else() {
        let mut config = Config::default();
        config.wallets.push(crate::config::WalletConfig {
            label: "cold".into(),
            address: Address::repeat_byte(7),
            ens: None,
        });
        let state = AppState::new(&config);
        assert_eq!(state.wallets.len(), 1);
        assert_eq!(state.wallets[0].pop_raw, None);
        assert_eq!(
            state.token.expected_total_supply_raw,
            Some(U256::from(1_600_000_000u64) * U256::from(10u64).pow(U256::from(18)))
        );
        assert!(
            state
                .sources
                .values()
                .all(|s| s.status == SourceStatus::Loading)
        );
        assert!(!state.chain_read());
    }

    #[test]
    fn a_failure_keeps_the_time_of_the_last_success() {
        let mut state = AppState::new(&Config::default());
        let at = datetime!(2026-11-25 10:00 UTC);
        state.apply(Update::SourceOk {
            source: SourceName::Chain,
            at,
        });
        state.apply(Update::SourceFailed {
            source: SourceName::Chain,
            error: "timeout".into(),
        });
        let chain = &state.sources[&SourceName::Chain];
        assert_eq!(
            chain.status,
            SourceStatus::Failed {
                error: "timeout".into()
            }
        );
        assert_eq!(chain.last_ok_at, Some(at));
        assert!(state.chain_read());
    }
}
