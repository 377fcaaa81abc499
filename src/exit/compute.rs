//! From a chain reading to what a sale would fetch: each wallet's quote in each pool, its best
//! exit net of gas (possibly split), the portfolio's exit, and each pool's ladder and depth.
//! Pure: no I/O.

use alloy::primitives::U256;

use std::collections::HashMap;

use super::quote::{Candidates, Quoting};
use crate::state::chain::{ChainReading, PoolReading};
use crate::state::exits::{
    ExitReading, LadderPoint, PoolState, Quote, SellCheck, SellOutcome, WalletExit,
};

pub use super::model::{
    APPROVE_GAS_UNITS, PoolModel, V3_TICK_CROSSED_GAS_UNITS, V3_WORD_PASSED_GAS_UNITS, best_exit,
    leg_gas, swap_gas_units,
};
use super::model::{allowance_short, exit_from};

/// Ladder sizes in whole POP.
pub const LADDER_WHOLE: [u64; 4] = [1_000, 100_000, 1_000_000, 10_000_000];
/// Impact thresholds of `sellable_within`, in percent.
pub const DEPTH_PCTS: [f64; 5] = [1.0, 3.0, 5.0, 10.0, 15.0];

/// The smallest amount whose best single-pool sale satisfies `enough` (monotonic in the
/// amount), by bisection; `None` when even 2^128 raw units do not.
fn smallest_amount(
    models: &[PoolModel<'_>],
    enough: impl Fn(&PoolModel<'_>, U256) -> bool,
) -> Option<U256> {
    let good = |amount: U256| models.iter().any(|m| enough(m, amount));
    let mut high = U256::from(1u8) << 128;
    if !good(high) {
        return None;
    }
    let mut low = U256::ZERO; // never good: nothing sold fetches nothing
    while high - low > U256::from(1u8) {
        let mid = low + (high - low) / U256::from(2u8);
        if good(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    Some(high)
}

/// Why a balance whose best sale fetches nothing is too small, with the figures a holder
/// needs: the smallest amount that returns anything, and the amount whose sale covers its gas.
fn too_small_detail(models: &[PoolModel<'_>], gas_price: Option<U256>, decimals: u8) -> String {
    let amount = |raw: U256| format!("{} POP", crate::format::token_amount(raw, decimals, 6));
    let first_wei = smallest_amount(models, |m, a| m.quote(a).is_some_and(|out| !out.is_zero()));
    let mut detail = match first_wei {
        // To the last unit: this amount is small.
        Some(raw) => format!(
            "the balance is too small to sell: its best quote rounds to 0 wei; the smallest sale that returns anything is {} POP ({raw} raw)",
            crate::format::token_amount(raw, decimals, usize::from(decimals))
        ),
        None => "the balance is too small to sell: its best quote rounds to 0 wei".to_owned(),
    };
    match gas_price {
        Some(price) => {
            let covers = smallest_amount(models, |m, a| {
                let gas = U256::from(Quoting::leg_gas(m, a).units(true)).saturating_mul(price);
                m.quote(a).is_some_and(|out| out > gas)
            });
            detail.push_str(&match covers {
                Some(raw) => format!("; a sale covers its gas from {}", amount(raw)),
                None => "; no sale in these pools covers its gas".to_owned(),
            });
        }
        None => detail.push_str("; the gas price is unknown, so the amount that covers gas is too"),
    }
    detail
}

/// The largest amount, in whole tokens, whose sale in `model` stays within `max_pct` impact;
/// `None` when even one token exceeds it. Bisection on the exact quote, so exact to 1 token.
pub fn sellable_within(model: &PoolModel<'_>, unit: U256, max_pct: f64) -> Option<U256> {
    let within = |whole: U256| -> bool {
        let amount = whole * unit;
        model
            .quote(amount)
            .is_some_and(|out| model.impact_pct(amount, out) <= max_pct)
    };
    if !within(U256::from(1)) {
        return None;
    }
    // Beyond 100× the pool's POP reserve, no thin pool keeps any threshold.
    let mut hi = (model.0.pop_reserve_raw / unit).max(U256::from(1)) * U256::from(100);
    if within(hi) {
        return Some(hi * unit);
    }
    let mut lo = U256::from(1);
    while hi - lo > U256::from(1) {
        let mid = (lo + hi) / U256::from(2);
        if within(mid) { lo = mid } else { hi = mid }
    }
    Some(lo * unit)
}

/// What the exit math keeps between refreshes. Quotes, splits, ladders and depths depend on
/// the pools' states and the amounts only; the gas price only chooses among the splits. A
/// refresh where pools and balances did not move (most refreshes of a quiet token) costs a
/// choice per wallet, not a search.
#[derive(Default)]
pub struct ExitCache {
    /// The pool states (and token unit) the entries below were computed for.
    pools: Vec<PoolReading>,
    unit: U256,
    /// Per amount sold: each pool's quote alone, and every split.
    amounts: HashMap<U256, (Vec<Quote>, Candidates)>,
    /// Ladders and depths, for these ladder sizes.
    pool_states: Option<(Vec<U256>, Vec<PoolState>)>,
    /// The portfolio's plan, while it still holds.
    plan: super::plan::PlanCache,
}

impl ExitCache {
    /// Forgets everything computed for other pool states.
    fn follow(&mut self, pools: &[PoolReading], unit: U256) {
        if self.pools != pools || self.unit != unit {
            *self = ExitCache {
                pools: pools.to_vec(),
                unit,
                ..ExitCache::default()
            };
        }
    }
}

/// Everything a holder needs to know about selling, from one reading.
pub fn compute(reading: &ChainReading, decimals: u8) -> ExitReading {
    compute_cached(reading, decimals, &mut ExitCache::default())
}

/// [`compute`], reusing what `cache` holds for unchanged pools and amounts.
pub fn compute_cached(reading: &ChainReading, decimals: u8, cache: &mut ExitCache) -> ExitReading {
    // Decimals come from the token: past 77, 10^decimals would wrap (the caller passes usable
    // ones; this keeps the math honest whatever it is given).
    let unit = U256::from(10u64)
        .checked_pow(U256::from(decimals))
        .unwrap_or(U256::MAX);
    let gas_price = reading.gas_price_wei;
    cache.follow(&reading.pools, unit);
    let models: Vec<PoolModel> = reading
        .pools
        .iter()
        .filter(|p| !p.pop_reserve_raw.is_zero() && !p.weth_reserve_wei.is_zero())
        .map(PoolModel)
        .collect();
    // Amounts no longer held are dropped, so the cache follows the wallets.
    let mut wanted: HashMap<U256, (Vec<Quote>, Candidates)> = HashMap::new();
    let mut missing: Vec<U256> = Vec::new();
    for amount in reading
        .balances
        .iter()
        .map(|b| b.pop_raw.unwrap_or_default())
    {
        if wanted.contains_key(&amount) || missing.contains(&amount) {
            continue;
        }
        match cache.amounts.remove(&amount) {
            Some(entry) => {
                wanted.insert(amount, entry);
            }
            None => missing.push(amount),
        }
    }
    wanted.extend(search_all(&missing, &models));
    cache.amounts = wanted;
    // The same for every dust wallet: computed once, when one needs it.
    let mut too_small: Option<String> = None;
    let wallets: Vec<WalletExit> = reading
        .balances
        .iter()
        .map(|b| {
            let (quotes, candidates) = &cache.amounts[&b.pop_raw.unwrap_or_default()];
            let exit = exit_from(candidates, &models, gas_price, &|i| {
                allowance_short(b, models[i].0.spender)
            });
            // A balance whose best sale fetches nothing is too small to sell: information,
            // not a sale to simulate (the pools refuse a zero output, and that is no fault
            // of the token).
            let sell_check = exit.as_ref().filter(|e| e.eth_out_wei.is_zero()).map(|_| {
                let detail = too_small
                    .get_or_insert_with(|| too_small_detail(&models, gas_price, decimals))
                    .clone();
                SellCheck::new(SellOutcome::TooSmall, detail)
            });
            WalletExit {
                address: b.address,
                quotes: quotes.clone(),
                exit,
                sell_check,
            }
        })
        .collect();
    let mut ladder_sizes: Vec<U256> = LADDER_WHOLE
        .iter()
        .filter_map(|w| U256::from(*w).checked_mul(unit))
        .collect();
    ladder_sizes.extend(
        reading
            .balances
            .iter()
            .filter_map(|b| b.pop_raw)
            .filter(|p| !p.is_zero()),
    );
    ladder_sizes.sort();
    ladder_sizes.dedup();
    let pools = match &cache.pool_states {
        Some((sizes, states)) if *sizes == ladder_sizes => states.clone(),
        _ => {
            let states = pool_states(&models, &ladder_sizes, unit);
            cache.pool_states = Some((ladder_sizes, states.clone()));
            states
        }
    };
    let portfolio_plan = cache.plan.plan(reading, &wallets);
    ExitReading {
        block: reading.block,
        gas_price_wei: gas_price,
        pools,
        wallets,
        portfolio_exit: portfolio_plan.as_ref().map(|p| p.exit.clone()),
        portfolio_plan,
    }
}

/// Quotes and splits for each amount, spread over the machine's cores when there are many
/// (each amount is independent; a thousand wallets' first refresh is ~100 ms of quoting).
fn search_all(amounts: &[U256], models: &[PoolModel<'_>]) -> Vec<(U256, (Vec<Quote>, Candidates))> {
    let search = |amount: &U256| {
        (
            *amount,
            (
                wallet_quotes(*amount, models),
                Candidates::new(*amount, models),
            ),
        )
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || amounts.len() < 64 {
        return amounts.iter().map(search).collect();
    }
    let per_thread = amounts.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = amounts
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().map(search).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("the exit search does not panic"))
            .collect()
    })
}

/// Selling `amount` alone in each pool.
fn wallet_quotes(amount: U256, models: &[PoolModel<'_>]) -> Vec<Quote> {
    if amount.is_zero() {
        return Vec::new();
    }
    models
        .iter()
        .map(|m| match m.quote_detail(amount) {
            Ok(out) => Quote {
                venue: m.0.venue,
                pool: m.0.address,
                eth_out_wei: Some(out),
                price_impact_pct: Some(m.impact_pct(amount, out)),
                error: None,
            },
            Err(error) => Quote {
                venue: m.0.venue,
                pool: m.0.address,
                eth_out_wei: None,
                price_impact_pct: None,
                error: Some(error),
            },
        })
        .collect()
}

/// Each pool's spot price, ladder and depth.
fn pool_states(models: &[PoolModel<'_>], ladder_sizes: &[U256], unit: U256) -> Vec<PoolState> {
    models
        .iter()
        .map(|m| PoolState {
            venue: m.0.venue,
            address: m.0.address,
            fee_ppm: m.0.fee_ppm,
            pop_reserve_raw: m.0.pop_reserve_raw,
            weth_reserve_wei: m.0.weth_reserve_wei,
            spot_weth_per_pop: m.spot(),
            ladder: ladder_sizes
                .iter()
                .map(|&amount| {
                    let out = m.quote(amount);
                    LadderPoint {
                        pop_raw: amount,
                        eth_out_wei: out,
                        price_impact_pct: out.map(|o| m.impact_pct(amount, o)),
                    }
                })
                .collect(),
            sellable_within: DEPTH_PCTS
                .iter()
                .map(|&pct| (pct, sellable_within(m, unit, pct)))
                .collect(),
        })
        .collect()
}
