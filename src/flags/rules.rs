//! The rules, one function each. Each reads the state, and either raises warnings, raises
//! nothing, or reports what it lacks.

use alloy::primitives::{Address, U256};
use time::OffsetDateTime;

use super::{Evidence, Flags, HYSTERESIS, NotEvaluated, RuleId, Severity, Subject, Warning};
use crate::format::{pct, rfc3339, sanitize, usd};
use crate::state::figures;
use crate::state::{AppState, SourceName, SourceStatus, WalletState};

struct Ctx<'a> {
    state: &'a AppState,
    now: OffsetDateTime,
    previous: &'a Flags,
    out: Flags,
}

fn ev(
    source: &str,
    figure: &str,
    value: impl Into<String>,
    at: Option<OffsetDateTime>,
) -> Evidence {
    Evidence {
        source: source.to_owned(),
        figure: figure.to_owned(),
        value: value.into(),
        observed_at: at,
    }
}

fn wallet_subject(w: &WalletState) -> Subject {
    Subject {
        kind: "wallet",
        id: w.address.to_checksum(None),
    }
}

impl Ctx<'_> {
    fn raise(
        &mut self,
        id: RuleId,
        severity: Severity,
        title: &str,
        detail: String,
        subject: Option<Subject>,
        evidence: Vec<Evidence>,
    ) {
        self.out.raised.push(Warning {
            id,
            severity,
            title: title.to_owned(),
            detail: sanitize(&detail),
            subject,
            evidence,
        });
    }

    fn missing(&mut self, id: RuleId, missing: &str) {
        self.out.not_evaluated.push(NotEvaluated {
            id,
            missing: missing.to_owned(),
        });
    }

    /// `value < min`, with hysteresis: once raised, clears only at `min × (1 + margin)`.
    fn below(&self, id: RuleId, subject: Option<&str>, value: f64, min: f64) -> bool {
        let limit = if self.previous.was_raised(id, subject) {
            min * (1.0 + HYSTERESIS)
        } else {
            min
        };
        value < limit
    }

    /// [`Ctx::below`] on wei, in integers: once raised, clears only at `min` plus the margin
    /// (a twentieth of it for the 5% of [`HYSTERESIS`]).
    fn below_wei(&self, id: RuleId, subject: Option<&str>, value: U256, min: U256) -> bool {
        let limit = if self.previous.was_raised(id, subject) {
            let parts = U256::from((1.0 / HYSTERESIS).round() as u64);
            min.saturating_add(min / parts)
        } else {
            min
        };
        value < limit
    }

    /// `value > max`, with hysteresis: once raised, clears only at `max × (1 − margin)`.
    fn above(&self, id: RuleId, subject: Option<&str>, value: f64, max: f64) -> bool {
        let limit = if self.previous.was_raised(id, subject) {
            max * (1.0 - HYSTERESIS)
        } else {
            max
        };
        value > limit
    }

    fn chain_at(&self) -> Option<OffsetDateTime> {
        self.state
            .sources
            .get(&SourceName::Chain)
            .and_then(|s| s.last_ok_at)
    }

    fn chain_read(&self) -> bool {
        self.state.chain_read()
    }

    fn exits_known(&self) -> bool {
        self.chain_read() && self.state.exits_computed
    }
}

pub fn all(state: &AppState, now: OffsetDateTime, previous: &Flags) -> Flags {
    let mut c = Ctx {
        state,
        now,
        previous,
        out: Flags::default(),
    };
    no_pool(&mut c);
    thin_liquidity(&mut c);
    wallet_exits(&mut c);
    cannot_sell(&mut c);
    open_approval(&mut c);
    low_volume(&mut c);
    supply_mismatch(&mut c);
    deep_drawdown(&mut c);
    tiny_market_cap(&mut c);
    no_major_listing(&mut c);
    dormant_contract(&mut c);
    no_development(&mut c);
    price_divergence(&mut c);
    contract_mismatch(&mut c);
    address_poisoning(&mut c);
    source_failing(&mut c);
    wrong_chain(&mut c);
    concentrated_supply(&mut c);
    few_holders(&mut c);
    c.out
}

/// The holders' evidence: where they come from and whether the index is complete.
fn holders_evidence(c: &Ctx, h: &crate::state::holders::HoldersReading) -> Evidence {
    ev(
        "chain (log index)",
        "index",
        if h.complete {
            format!("complete to block {}", h.block)
        } else {
            format!("partial at block {}", h.block)
        },
        c.chain_at(),
    )
}

/// The ten largest holders (pools, burns and the token contract aside) hold more than
/// `max_top10_share_pct` of the supply, by their `balanceOf`. On a partial index it is raised
/// only where the balances read already pass the threshold (larger holders not indexed yet
/// could only add to it); otherwise it is not evaluated.
fn concentrated_supply(c: &mut Ctx) {
    let Some(h) = c.state.holders.as_ref() else {
        return c.missing(
            RuleId::ConcentratedSupply,
            "the log index's holders (not read yet)",
        );
    };
    if h.total_supply.is_zero() {
        return c.missing(RuleId::ConcentratedSupply, "a non-zero totalSupply");
    }
    let max = c.state.rules.thresholds.max_top10_share_pct;
    let listed: Vec<&crate::state::holders::Holder> = h
        .top10_excluding_pools
        .iter()
        .filter_map(|a| h.top.iter().find(|x| x.address == *a))
        .collect();
    // By the chain's balances only: the replay is the index's, the balance is the chain's.
    let sum = listed
        .iter()
        .filter_map(|x| x.chain)
        .fold(U256::ZERO, |s, b| s.saturating_add(b));
    let share = crate::state::holders::ratio(sum, h.total_supply) * 100.0;
    let token = c.state.token.address.to_checksum(None);
    let raised = c.above(RuleId::ConcentratedSupply, Some(&token), share, max);
    if !raised && !h.complete {
        return c.missing(
            RuleId::ConcentratedSupply,
            "a complete log index (partial: holders not indexed yet may be larger)",
        );
    }
    if raised {
        let at = c.chain_at();
        let mut evidence: Vec<Evidence> = listed
            .iter()
            .filter_map(|x| {
                Some(ev(
                    "chain (balanceOf)",
                    &format!("holder {}", x.address.to_checksum(None)),
                    format!(
                        "{} raw ({})",
                        x.chain?,
                        pct(crate::state::holders::ratio(x.chain?, h.total_supply) * 100.0)
                    ),
                    at,
                ))
            })
            .collect();
        evidence.push(holders_evidence(c, h));
        c.raise(
            RuleId::ConcentratedSupply,
            Severity::Warning,
            "A few holders hold most of the supply",
            format!(
                "The {} largest holders, pools, burns and the token contract aside, hold {} of the supply (threshold {}): a sale by one of them moves the price for everyone.",
                listed.len(),
                pct(share),
                pct(max)
            ),
            Some(Subject {
                kind: "token",
                id: c.state.token.address.to_checksum(None),
            }),
            evidence,
        );
    }
}

/// Fewer than `min_holders` addresses hold at least the dust floor: counted on a complete index
/// only (a partial one may not have met them all).
fn few_holders(c: &mut Ctx) {
    let Some(h) = c.state.holders.as_ref() else {
        return c.missing(RuleId::FewHolders, "the log index's holders (not read yet)");
    };
    if !h.complete {
        return c.missing(
            RuleId::FewHolders,
            "a complete log index (partial: holders may be missing)",
        );
    }
    let min = c.state.rules.thresholds.min_holders as f64;
    let count = h.above_dust as f64;
    let token = c.state.token.address.to_checksum(None);
    if c.below(RuleId::FewHolders, Some(&token), count, min) {
        let evidence = vec![
            ev(
                "chain (log index)",
                "holders above the dust floor",
                h.above_dust.to_string(),
                c.chain_at(),
            ),
            ev(
                "chain (log index)",
                "dust floor (raw)",
                h.dust_floor.to_string(),
                c.chain_at(),
            ),
            holders_evidence(c, h),
        ];
        c.raise(
            RuleId::FewHolders,
            Severity::Warning,
            "Few holders",
            format!(
                "Only {} addresses hold POP above the dust floor (threshold {}): a market of few.",
                h.above_dust, c.state.rules.thresholds.min_holders
            ),
            Some(Subject {
                kind: "token",
                id: c.state.token.address.to_checksum(None),
            }),
            evidence,
        );
    }
}

fn no_pool(c: &mut Ctx) {
    if !c.exits_known() {
        return c.missing(RuleId::NoPool, "chain (pools not read yet)");
    }
    if c.state.pools.is_empty() && !c.state.unread_pools.is_empty() {
        return c.missing(
            RuleId::NoPool,
            "chain (a pool was found but its state could not be read)",
        );
    }
    if c.state.pools.is_empty() {
        let at = c.chain_at();
        c.raise(
            RuleId::NoPool,
            Severity::Critical,
            "No pool to sell into",
            "No POP/WETH pool exists in Uniswap V1, V2, V3 or SushiSwap: there is no on-chain exit.".into(),
            Some(Subject { kind: "token", id: c.state.token.address.to_checksum(None) }),
            vec![ev("chain", "pools found", "0", at)],
        );
    }
}

/// The largest liquidity in USD of any pool (its balances at its own spot price), and that pool.
fn deepest_liquidity_usd(state: &AppState) -> Option<(f64, &crate::state::exits::PoolState)> {
    state
        .pools
        .iter()
        .filter_map(|p| Some((figures::pool_liquidity_usd(state, p)?, p)))
        .max_by(|(a, _), (b, _)| a.total_cmp(b))
}

fn thin_liquidity(c: &mut Ctx) {
    let min = c.state.rules.thresholds.min_liquidity_usd;
    if !c.exits_known() {
        return c.missing(RuleId::ThinLiquidity, "chain (pools not read yet)");
    }
    let Some((liquidity, pool)) = deepest_liquidity_usd(c.state) else {
        return c.missing(
            RuleId::ThinLiquidity,
            if c.state.eth_usd.is_none() {
                "chainlink (ETH/USD)"
            } else {
                "a pool"
            },
        );
    };
    let pool_id = pool.address.to_checksum(None);
    if c.below(RuleId::ThinLiquidity, Some(&pool_id), liquidity, min) {
        let at = c.chain_at();
        let feed_at = c.state.eth_usd.as_ref().map(|e| e.updated_at);
        c.raise(
            RuleId::ThinLiquidity,
            Severity::Warning,
            "Thin liquidity",
            format!(
                "The most liquid pool ({}) holds {} of POP and WETH at its own price, below the {} threshold.",
                pool.venue.label(),
                usd(liquidity),
                usd(min)
            ),
            Some(Subject {
                kind: "pool",
                id: pool.address.to_checksum(None),
            }),
            vec![
                ev(
                    "chain",
                    "pool ETH reserve (wei)",
                    pool.weth_reserve_wei.to_string(),
                    at,
                ),
                ev(
                    "chainlink",
                    "ETH/USD",
                    format!(
                        "{:.2}",
                        c.state
                            .eth_usd
                            .as_ref()
                            .map(|e| e.price())
                            .unwrap_or_default()
                    ),
                    feed_at,
                ),
                ev("chain", "liquidity (USD)", format!("{liquidity:.2}"), at),
            ],
        );
    }
}

/// high_price_impact, exit_below_gas and no_gas: per wallet, from its exit. The gas-based
/// two need the gas price: unknown, they are not evaluated (never judged against 0).
fn wallet_exits(c: &mut Ctx) {
    if !c.exits_known() {
        for id in [RuleId::HighPriceImpact, RuleId::ExitBelowGas, RuleId::NoGas] {
            c.missing(id, "chain (exits not computed yet)");
        }
        return;
    }
    let max_impact = c.state.rules.thresholds.max_price_impact_pct;
    let at = c.chain_at();
    let gas_price = c.state.gas_price_wei;
    if gas_price.is_none() {
        for id in [RuleId::ExitBelowGas, RuleId::NoGas] {
            c.missing(id, "chain (the gas price is unknown)");
        }
    }
    for w in &c.state.wallets {
        let Some(exit) = &w.exit else { continue };
        let subject = wallet_subject(w);
        let sid = subject.id.clone();
        let label = sanitize(&w.label);
        if c.above(
            RuleId::HighPriceImpact,
            Some(&sid),
            exit.price_impact_pct,
            max_impact,
        ) {
            c.raise(
                RuleId::HighPriceImpact,
                Severity::Warning,
                "Selling moves the price a lot",
                format!(
                    "A sale of all of {label}'s POP would fetch {} less than the same POP is worth at the pools' current price (threshold {}).",
                    pct(exit.price_impact_pct),
                    pct(max_impact)
                ),
                Some(subject.clone()),
                vec![
                    ev(
                        "chain",
                        "POP balance (raw)",
                        w.pop_raw.map(|p| p.to_string()).unwrap_or_else(|| "unknown".into()),
                        at,
                    ),
                    ev(
                        "chain",
                        "exit shortfall from spot (%)",
                        format!("{:.2}", exit.price_impact_pct),
                        at,
                    ),
                    ev("chain", "exit venue", exit.venue_name(), at),
                ],
            );
        }
        let (Some(gas_price), Some(gas_cost)) = (gas_price, exit.gas_cost_wei) else {
            continue;
        };
        // Hysteresis on the gross against the gas: once raised, cleared only when the sale
        // fetches the gas and 5% more, so a gas price moving at break-even does not flip it.
        if !gas_cost.is_zero()
            && c.below_wei(RuleId::ExitBelowGas, Some(&sid), exit.eth_out_wei, gas_cost)
        {
            c.raise(
                RuleId::ExitBelowGas,
                Severity::Critical,
                "Selling costs more than it brings",
                format!(
                    "{label}'s POP would fetch {} ETH, less than the {} ETH of gas to sell it.",
                    crate::format::token_amount(exit.eth_out_wei, 18, 12),
                    crate::format::token_amount(gas_cost, 18, 8)
                ),
                Some(subject.clone()),
                vec![
                    ev(
                        "chain",
                        "exit gross (wei)",
                        exit.eth_out_wei.to_string(),
                        at,
                    ),
                    ev("chain", "gas cost (wei)", gas_cost.to_string(), at),
                    ev("chain", "gas price (wei)", gas_price.to_string(), at),
                ],
            );
        }
        // What a wallet must hold to send the sale: its gas limit at the maximum fee it
        // offers, not the gas it will likely burn.
        let upfront = figures::upfront_gas_wei(exit, gas_price);
        if let Some(eth) = w.eth_wei
            && w.pop_raw.is_some_and(|p| !p.is_zero())
            && c.below_wei(RuleId::NoGas, Some(&sid), eth, upfront)
        {
            c.raise(
                RuleId::NoGas,
                Severity::Warning,
                "Not enough ETH to pay for a sale",
                format!(
                    "{label} holds {} ETH, less than the {} ETH a sale must be able to pay up front (its gas limit at twice the current gas price): it must first get ETH to sell.",
                    crate::format::token_amount(eth, 18, 8),
                    crate::format::token_amount(upfront, 18, 8)
                ),
                Some(subject),
                vec![
                    ev("chain", "ETH balance (wei)", eth.to_string(), at),
                    ev("chain", "up-front gas (wei)", upfront.to_string(), at),
                    ev("chain", "gas price (wei)", gas_price.to_string(), at),
                ],
            );
        }
    }
}

/// cannot_sell accuses the token only where a simulated sale proves it; a balance too small
/// to sell and a wallet that cannot receive a venue's ETH are information; a check that could
/// not run is listed as not evaluated, with why.
fn cannot_sell(c: &mut Ctx) {
    use crate::state::exits::SellOutcome;
    if !c.exits_known() {
        return c.missing(RuleId::CannotSell, "chain (sell checks not run yet)");
    }
    let at = c.chain_at();
    let mut unchecked: Vec<String> = Vec::new();
    for w in &c.state.wallets {
        if w.exit.is_none() {
            continue;
        }
        let label = sanitize(&w.label);
        let Some(check) = &w.sell_check else {
            unchecked.push(format!("{label}: not run yet"));
            continue;
        };
        let evidence = vec![ev("chain", "simulated sale", check.detail.clone(), at)];
        match check.outcome {
            SellOutcome::Sells => {}
            SellOutcome::NotEvaluated => unchecked.push(format!("{label}: {}", check.detail)),
            SellOutcome::Fails => c.raise(
                RuleId::CannotSell,
                Severity::Critical,
                "A sale fails in simulation",
                format!(
                    "Selling {label}'s POP through its exit fails: {}",
                    check.detail
                ),
                Some(wallet_subject(w)),
                evidence,
            ),
            SellOutcome::TooSmall => c.raise(
                RuleId::CannotSell,
                Severity::Info,
                "Too small to sell",
                format!("{label}: {}.", check.detail),
                Some(wallet_subject(w)),
                evidence,
            ),
            SellOutcome::CannotReceive => c.raise(
                RuleId::CannotSell,
                Severity::Info,
                "This wallet cannot receive the sale's ETH",
                format!("{label}: {}.", check.detail),
                Some(wallet_subject(w)),
                evidence,
            ),
        }
    }
    if let Some(first) = unchecked.first() {
        let more = match unchecked.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        c.missing(
            RuleId::CannotSell,
            &sanitize(&format!("chain (sell check not evaluated: {first}{more})")),
        );
    }
}

fn open_approval(c: &mut Ctx) {
    if c.state.logs_block.is_none() {
        return c.missing(
            RuleId::OpenApproval,
            "chain (Approval logs not scanned yet)",
        );
    }
    let at = c.chain_at();
    for w in &c.state.wallets {
        let Some(h) = &w.history else { continue };
        for (spender, allowance) in &h.approvals {
            c.raise(
                RuleId::OpenApproval,
                Severity::Warning,
                "A contract may still spend this wallet's POP",
                format!(
                    "{} allows {} to spend {} raw POP.",
                    sanitize(&w.label),
                    spender.to_checksum(None),
                    allowance
                ),
                Some(wallet_subject(w)),
                vec![
                    ev("chain", "allowance (raw)", allowance.to_string(), at),
                    ev("chain", "spender", spender.to_checksum(None), at),
                ],
            );
        }
    }
}

fn market_values(
    c: &Ctx,
    f: fn(&crate::state::market::MarketQuote) -> Option<f64>,
) -> Vec<(SourceName, f64, Option<OffsetDateTime>)> {
    super::MARKET
        .iter()
        .filter_map(|s| {
            let q = c.state.market.get(s)?;
            Some((*s, f(q)?, q.fetched_at))
        })
        .collect()
}

fn low_volume(c: &mut Ctx) {
    let min = c.state.rules.thresholds.min_volume_24h_usd;
    let volumes = market_values(c, |q| q.volume_24h_usd);
    if volumes.is_empty() {
        return c.missing(
            RuleId::LowVolume,
            "coingecko, coinpaprika, dexscreener (no 24h volume)",
        );
    }
    let highest = volumes.iter().map(|v| v.1).fold(f64::MIN, f64::max);
    if c.below(RuleId::LowVolume, None, highest, min) {
        c.raise(
            RuleId::LowVolume,
            Severity::Warning,
            "Almost no trading",
            format!(
                "24h volume is {} at most across sources, below the {} threshold.",
                usd(highest),
                usd(min)
            ),
            None,
            volumes
                .iter()
                .map(|(s, v, at)| ev(s.as_str(), "24h volume (USD)", format!("{v:.2}"), *at))
                .collect(),
        );
    }
}

/// [`figures::chain_circulating_bound`] in whole tokens, and raw.
fn chain_circulating_bound(state: &AppState) -> Option<(f64, U256)> {
    let bound = figures::chain_circulating_bound(state)?;
    let decimals = state.token.decimals?;
    Some((f64::from(bound) / 10f64.powi(i32::from(decimals)), bound))
}

fn supply_mismatch(c: &mut Ctx) {
    let table = super::disagreements(c.state);
    let relevant: Vec<_> = table
        .iter()
        .filter(|d| d.figure.ends_with("supply"))
        .collect();
    // The chain as a source: no provider's circulating supply can exceed what the chain
    // leaves outside the burn addresses and the token contract.
    let bound = chain_circulating_bound(c.state);
    let beyond: Vec<(String, f64)> = match bound {
        Some((bound, _)) => crate::state::figures::MARKET_SOURCES
            .iter()
            .filter_map(|s| {
                let circulating = c.state.market.get(s)?.circulating_supply?;
                (circulating > bound * 1.01).then(|| (s.as_str().to_owned(), circulating))
            })
            .collect(),
        None => Vec::new(),
    };
    if relevant.iter().all(|d| d.values.len() < 2) && bound.is_none() {
        return c.missing(
            RuleId::SupplyMismatch,
            "at least two sources of supply figures",
        );
    }
    let disagreeing: Vec<_> = relevant.iter().filter(|d| d.disagree).collect();
    if !disagreeing.is_empty() || !beyond.is_empty() {
        let mut detail: Vec<String> = disagreeing
            .iter()
            .map(|d| {
                let values: Vec<String> = d
                    .values
                    .iter()
                    .map(|(s, v)| format!("{s} {v:.0}"))
                    .collect();
                format!("{}: {}", d.figure.replace('_', " "), values.join(", "))
            })
            .collect();
        let mut evidence: Vec<Evidence> = disagreeing
            .iter()
            .flat_map(|d| {
                d.values
                    .iter()
                    .map(move |(s, v)| ev(s, d.figure, format!("{v:.0}"), None))
            })
            .collect();
        if let Some((tokens, raw)) = bound.filter(|_| !beyond.is_empty()) {
            let claims: Vec<String> = beyond.iter().map(|(s, v)| format!("{s} {v:.0}")).collect();
            detail.push(format!(
                "circulating supply above what the chain leaves outside the burn addresses and the token contract ({tokens:.0}): {}",
                claims.join(", ")
            ));
            evidence.extend(
                beyond
                    .iter()
                    .map(|(s, v)| ev(s, "circulating_supply", format!("{v:.0}"), None)),
            );
            evidence.push(ev(
                "chain (log index)",
                "totalSupply less burnt and the token contract's (raw)",
                raw.to_string(),
                c.chain_at(),
            ));
        }
        c.raise(
            RuleId::SupplyMismatch,
            Severity::Warning,
            "Sources disagree on the supply",
            format!("{}.", detail.join("; ")),
            None,
            evidence,
        );
    }
}

fn deep_drawdown(c: &mut Ctx) {
    let max = c.state.rules.thresholds.max_drawdown_pct;
    let drawdowns = market_values(c, |q| q.ath_change_pct);
    if drawdowns.is_empty() {
        return c.missing(
            RuleId::DeepDrawdown,
            "coingecko, coinpaprika (no all-time high)",
        );
    }
    let deepest = drawdowns.iter().map(|d| -d.1).fold(f64::MIN, f64::max);
    if c.above(RuleId::DeepDrawdown, None, deepest, max) {
        c.raise(
            RuleId::DeepDrawdown,
            Severity::Warning,
            "Far below its all-time high",
            format!(
                "The price is {deepest:.2}% below its all-time high (threshold {}).",
                pct(max)
            ),
            None,
            drawdowns
                .iter()
                .map(|(s, v, at)| ev(s.as_str(), "change from ATH (%)", format!("{v:.2}"), *at))
                .collect(),
        );
    }
}

fn tiny_market_cap(c: &mut Ctx) {
    let min = c.state.rules.thresholds.min_market_cap_usd;
    // A market cap of 0 means the provider does not know the circulating supply.
    let caps: Vec<_> = market_values(c, |q| q.market_cap_usd)
        .into_iter()
        .filter(|v| v.1 > 0.0)
        .collect();
    if caps.is_empty() {
        return c.missing(
            RuleId::TinyMarketCap,
            "a non-zero market cap from any source",
        );
    }
    let highest = caps.iter().map(|v| v.1).fold(f64::MIN, f64::max);
    if c.below(RuleId::TinyMarketCap, None, highest, min) {
        c.raise(
            RuleId::TinyMarketCap,
            Severity::Warning,
            "A tiny market cap",
            format!(
                "Market cap is {} at most, below the {} threshold.",
                usd(highest),
                usd(min)
            ),
            None,
            caps.iter()
                .map(|(s, v, at)| ev(s.as_str(), "market cap (USD)", format!("{v:.2}"), *at))
                .collect(),
        );
    }
}

fn no_major_listing(c: &mut Ctx) {
    let Some(venues) = c.state.venues.get(&SourceName::Coingecko) else {
        return c.missing(RuleId::NoMajorListing, "coingecko (tickers)");
    };
    let majors = &c.state.rules.thresholds.major_exchanges;
    if !venues.iter().any(|v| majors.contains(&v.exchange)) {
        let at = c
            .state
            .market
            .get(&SourceName::Coingecko)
            .and_then(|q| q.fetched_at);
        let found: Vec<String> = venues.iter().map(|v| sanitize(&v.exchange)).collect();
        c.raise(
            RuleId::NoMajorListing,
            Severity::Warning,
            "No major exchange lists it",
            format!(
                "None of {} trades POP; it trades only on: {}.",
                majors.join(", "),
                if found.is_empty() {
                    "nowhere".to_owned()
                } else {
                    found.join(", ")
                }
            ),
            None,
            vec![ev("coingecko", "exchanges", found.join(", "), at)],
        );
    }
}

fn dormant_contract(c: &mut Ctx) {
    let days = c.state.rules.thresholds.dormant_days;
    let (Some(_), Some(block)) = (c.state.logs_block, c.state.block) else {
        return c.missing(
            RuleId::DormantContract,
            "chain (Transfer logs not scanned yet)",
        );
    };
    if let Some(error) = &c.state.logs_error {
        return c.missing(
            RuleId::DormantContract,
            &sanitize(&format!("chain (the Transfer scan is failing: {error})")),
        );
    }
    // Chain time, so that an idle chain's clock decides, not the machine's.
    let now = block.time;
    let last = c.state.latest_transfer.as_ref();
    let age_days = last.and_then(|t| t.time).map(|t| (now - t).whole_days());
    if last.is_none() && !c.state.logs_from_first_block {
        // No Transfer in the window proves dormancy only if the window is long enough.
        let covered = c
            .state
            .logs_covered_since
            .map(|since| (now - since).whole_days());
        if covered.is_none_or(|covered| covered < days as i64) {
            return c.missing(
                RuleId::DormantContract,
                &format!(
                    "chain (the Transfer scan covers {} so far, less than dormant_days = {days})",
                    covered.map_or("an unknown span".to_owned(), |d| format!("{d} days"))
                ),
            );
        }
    }
    let dormant = match age_days {
        Some(age) => age >= days as i64,
        // Nothing in a window of at least `dormant_days` (or since the first block).
        None => last.is_none(),
    };
    if dormant {
        c.raise(
            RuleId::DormantContract,
            Severity::Warning,
            "No transfers for a long time",
            match age_days {
                Some(age) => {
                    format!("The token's last Transfer was {age} days ago (threshold {days} days).")
                }
                None => "No Transfer of the token in the scanned window.".to_owned(),
            },
            Some(Subject {
                kind: "token",
                id: c.state.token.address.to_checksum(None),
            }),
            vec![ev(
                "chain",
                "last Transfer",
                last.map(|t| format!("block {} tx {}", t.block, t.tx))
                    .unwrap_or_else(|| "none".into()),
                last.and_then(|t| t.time),
            )],
        );
    }
}

fn no_development(c: &mut Ctx) {
    let Some(q) = c.state.market.get(&SourceName::Coingecko) else {
        return c.missing(RuleId::NoDevelopment, "coingecko (developer data)");
    };
    if q.dev_commits_4_weeks.is_none() && q.has_repository.is_none() {
        return c.missing(RuleId::NoDevelopment, "coingecko (developer data)");
    }
    let no_commits = q.dev_commits_4_weeks.is_some_and(|n| n == 0.0);
    let no_repo = q.has_repository == Some(false);
    if no_commits || no_repo {
        c.raise(
            RuleId::NoDevelopment,
            Severity::Info,
            "No visible development",
            format!(
                "CoinGecko reports {}{}.",
                if no_repo {
                    "no code repository"
                } else {
                    "a repository"
                },
                if no_commits {
                    " and no commits in 4 weeks"
                } else {
                    ""
                }
            ),
            None,
            vec![
                ev(
                    "coingecko",
                    "commits in 4 weeks",
                    q.dev_commits_4_weeks
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "unknown".into()),
                    q.fetched_at,
                ),
                ev(
                    "coingecko",
                    "repository listed",
                    q.has_repository
                        .map(|b| b.to_string())
                        .unwrap_or_else(|| "unknown".into()),
                    q.fetched_at,
                ),
            ],
        );
    }
}

fn price_divergence(c: &mut Ctx) {
    let max = c.state.rules.thresholds.max_price_divergence_pct;
    let Some(onchain) = c.state.onchain_price_usd() else {
        return c.missing(
            RuleId::PriceDivergence,
            "chain (a pool) and chainlink (ETH/USD)",
        );
    };
    let prices = market_values(c, |q| q.price_usd);
    if prices.is_empty() {
        return c.missing(
            RuleId::PriceDivergence,
            "coingecko, coinpaprika, dexscreener (no price)",
        );
    }
    let at = c.chain_at();
    for (source, price, fetched) in prices {
        let off = (price / onchain - 1.0).abs() * 100.0;
        if c.above(RuleId::PriceDivergence, Some(source.as_str()), off, max) {
            c.raise(
                RuleId::PriceDivergence,
                Severity::Warning,
                "An aggregator's price is far from the chain's",
                format!(
                    "{} says {}, the deepest pool {}: {} apart (threshold {}).",
                    source.as_str(),
                    usd(price),
                    usd(onchain),
                    pct(off),
                    pct(max)
                ),
                Some(Subject {
                    kind: "source",
                    id: source.as_str().to_owned(),
                }),
                vec![
                    ev(
                        source.as_str(),
                        "price (USD)",
                        format!("{price:e}"),
                        fetched,
                    ),
                    ev("chain", "pool spot price (USD)", format!("{onchain:e}"), at),
                ],
            );
        }
    }
}

fn contract_mismatch(c: &mut Ctx) {
    let t = &c.state.token;
    let at = c.chain_at();
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    // Only a fact the chain answered, different from the config's, proves this is another
    // contract (critical); an unreadable fact, or a provider's coin listing another address
    // (the provider's mapping, not the token), is a warning.
    let mut proven = false;
    if c.chain_read() {
        let checks: [(&str, Option<String>, String); 4] = [
            ("name", t.name.clone(), t.expected_name.clone()),
            ("symbol", t.symbol.clone(), t.expected_symbol.clone()),
            (
                "decimals",
                t.decimals.map(|d| d.to_string()),
                t.expected_decimals.to_string(),
            ),
            (
                "totalSupply",
                t.total_supply_raw.map(|v| v.to_string()),
                t.expected_total_supply_raw
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ),
        ];
        for (figure, onchain, expected) in checks {
            match onchain {
                Some(v) if v != expected => {
                    proven = true;
                    problems.push(format!(
                        "{figure} is {} (expected {})",
                        sanitize(&v),
                        sanitize(&expected)
                    ));
                    evidence.push(ev("chain", figure, sanitize(&v), at));
                }
                None => {
                    problems.push(format!("{figure} could not be read"));
                    evidence.push(ev("chain", figure, "unreadable", at));
                }
                _ => {}
            }
        }
    }
    let mut listed = 0;
    for source in super::MARKET {
        let Some(q) = c.state.market.get(&source) else {
            continue;
        };
        let Some(address) = q.contract.address() else {
            continue;
        };
        listed += 1;
        if q.lists_another_contract(t.address) {
            problems.push(format!(
                "{}'s coin {} lists {} (its figures are left out of the paper value)",
                source.as_str(),
                coin_identity(q),
                sanitize(address)
            ));
            evidence.push(ev(
                source.as_str(),
                "contract address",
                sanitize(address),
                q.fetched_at,
            ));
        }
    }
    if !c.chain_read() && listed == 0 {
        return c.missing(RuleId::ContractMismatch, "chain and the market sources");
    }
    if !problems.is_empty() {
        let (severity, title) = if proven {
            (Severity::Critical, "The contract is not what is expected")
        } else {
            (
                Severity::Warning,
                "A provider's coin or a token fact does not match",
            )
        };
        c.raise(
            RuleId::ContractMismatch,
            severity,
            title,
            format!("{}.", problems.join("; ")),
            Some(Subject {
                kind: "token",
                id: t.address.to_checksum(None),
            }),
            evidence,
        );
    }
}

/// A provider's coin as it names it: `"theta-token" (Theta Network, THETA)`.
fn coin_identity(q: &crate::state::market::MarketQuote) -> String {
    let id = q
        .provider_id
        .as_deref()
        .map_or("(no id)".to_owned(), |id| format!("\"{}\"", sanitize(id)));
    let names: Vec<String> = [&q.coin_name, &q.coin_symbol]
        .into_iter()
        .flatten()
        .map(|n| sanitize(n))
        .collect();
    if names.is_empty() {
        id
    } else {
        format!("{id} ({})", names.join(", "))
    }
}

fn address_poisoning(c: &mut Ctx) {
    if c.state.logs_block.is_none() {
        return c.missing(
            RuleId::AddressPoisoning,
            "chain (Transfer logs not scanned yet)",
        );
    }
    let watched: Vec<Address> = c.state.wallets.iter().map(|w| w.address).collect();
    for w in &c.state.wallets {
        let Some(h) = &w.history else { continue };
        let lookalikes = figures::lookalikes(w.address, h, &watched);
        for t in &h.transfers {
            if let Some(l) = lookalikes
                .iter()
                .find(|l| l.tx == t.tx && l.log_index == t.log_index)
            {
                c.raise(
                    RuleId::AddressPoisoning,
                    Severity::Critical,
                    "A lookalike address sent tokens",
                    format!(
                        "{} received {} raw POP from {}, which looks like {} (same first and last 4 hex digits): do not copy it from history.",
                        sanitize(&w.label),
                        t.amount,
                        l.sender.to_checksum(None),
                        l.imitates.to_checksum(None)
                    ),
                    Some(wallet_subject(w)),
                    vec![
                        ev("chain", "lookalike", l.sender.to_checksum(None), t.time),
                        ev("chain", "known address", l.imitates.to_checksum(None), t.time),
                        ev("chain", "tx", t.tx.to_string(), t.time),
                    ],
                );
            }
            if t.from == w.address
                && t.amount == U256::ZERO
                && t.tx_sender.is_some_and(|s| s != w.address)
            {
                c.raise(
                    RuleId::AddressPoisoning,
                    Severity::Critical,
                    "A zero-value transfer this wallet did not make",
                    format!(
                        "A 0 POP transfer from {} to {} was sent by {}, not by the wallet: a spoofed entry in its history.",
                        sanitize(&w.label),
                        t.to.to_checksum(None),
                        t.tx_sender.map(|s| s.to_checksum(None)).unwrap_or_default()
                    ),
                    Some(wallet_subject(w)),
                    vec![ev("chain", "tx", t.tx.to_string(), t.time), ev("chain", "recipient", t.to.to_checksum(None), t.time)],
                );
            }
        }
    }
}

fn source_failing(c: &mut Ctx) {
    for (name, state) in &c.state.sources {
        let interval = figures::refresh_interval_secs(c.state, *name);
        let age = state.last_ok_at.map(|t| (c.now - t).whole_seconds());
        let reason = match &state.status {
            SourceStatus::Failed { error } => Some(format!("failed: {}", sanitize(error))),
            SourceStatus::RateLimited { until } => {
                Some(format!("rate-limited until {}", rfc3339(*until)))
            }
            SourceStatus::Ok
                if age.is_some_and(|a| a > figures::stale_after_secs(c.state, *name)) =>
            {
                Some(format!(
                    "its data is {}s old, over twice its {}s refresh",
                    age.unwrap_or_default(),
                    interval
                ))
            }
            _ => None,
        };
        if let Some(reason) = reason {
            c.raise(
                RuleId::SourceFailing,
                Severity::Warning,
                "A source is failing",
                format!("{} {reason}.", name.as_str()),
                Some(Subject {
                    kind: "source",
                    id: name.as_str().to_owned(),
                }),
                vec![ev(name.as_str(), "state", reason.clone(), state.last_ok_at)],
            );
        }
    }
}

fn wrong_chain(c: &mut Ctx) {
    for r in &c.state.refused_endpoints {
        c.raise(
            RuleId::WrongChain,
            Severity::Critical,
            "An RPC endpoint serves another chain",
            format!(
                "{} answered chain id {}, not {}: it is refused.",
                sanitize(&r.endpoint),
                r.got,
                r.expected
            ),
            Some(Subject {
                kind: "endpoint",
                id: sanitize(&r.endpoint),
            }),
            vec![ev("chain", "eth_chainId", r.got.to_string(), None)],
        );
    }
}
