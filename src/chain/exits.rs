//! From a chain reading to what a sale would fetch: each wallet's quote in each pool, its best
//! exit net of gas (possibly split), the portfolio's exit, and each pool's ladder and depth.
//! Pure: no I/O.

use alloy::primitives::U256;

use super::quote::{FEE_DENOMINATOR, Quoting, V3QuoteError, best_split, constant_product_out};
use crate::state::chain::{ChainReading, PoolReading};
use crate::state::exits::{
    Exit, ExitReading, LadderPoint, Leg, PoolState, Quote, Venue, WalletExit,
};

/// Gas units of one sell leg sent from a wallet: `approve` + the swap through the venue's
/// router or exchange, the 21,000 base of each transaction included. Measured by executing
/// sells of a few sizes on the devnet (`tests/exits.rs`, `gas_units_match_executed_sells`
/// asserts them within 10%; the measured values are in BENCHMARKS.md). Not the quoter's
/// `gasEstimate`, which covers the pool's swap alone.
pub fn sell_gas_units(venue: Venue) -> u64 {
    match venue {
        // Measured 97,913-97,937 (approve from zero + tokenToEthSwapInput).
        Venue::UniswapV1 => 98_000,
        // Measured 176,671 (approve over an existing allowance) to 193,807
        // (approve from zero + swapExactTokensForETH, which unwraps WETH).
        Venue::UniswapV2 | Venue::Sushiswap => 192_000,
        // Measured 182,388-189,140 (approve + SwapRouter.exactInputSingle, WETH out).
        Venue::UniswapV3 => 187_000,
    }
}

/// Ladder sizes in whole POP.
pub const LADDER_WHOLE: [u64; 4] = [1_000, 100_000, 1_000_000, 10_000_000];
/// Impact thresholds of `sellable_within`, in percent.
pub const DEPTH_PCTS: [f64; 5] = [1.0, 3.0, 5.0, 10.0, 15.0];

/// A pool as the quote math sees it.
pub struct PoolModel<'a>(pub &'a PoolReading);

impl PoolModel<'_> {
    pub fn quote_detail(&self, amount: U256) -> Result<U256, String> {
        let p = self.0;
        match &p.v3 {
            Some(v3) => v3.quote(amount).map_err(|e| match e {
                V3QuoteError::CannotAbsorb => "the pool cannot absorb this amount".to_owned(),
                other => other.to_string(),
            }),
            None => constant_product_out(amount, p.pop_reserve_raw, p.weth_reserve_wei, p.fee_ppm)
                .ok_or_else(|| "the pool is empty".to_owned()),
        }
    }

    /// WETH per raw POP before any trade.
    pub fn spot(&self) -> f64 {
        match &self.0.v3 {
            Some(v3) => v3.spot_weth_per_pop(),
            None if self.0.pop_reserve_raw.is_zero() => 0.0,
            None => f64::from(self.0.weth_reserve_wei) / f64::from(self.0.pop_reserve_raw),
        }
    }

    /// What `amount` would fetch at the spot price, after the fee: the no-impact reference.
    fn ideal(&self, amount: U256) -> f64 {
        f64::from(amount) * self.spot() * f64::from(FEE_DENOMINATOR - self.0.fee_ppm)
            / f64::from(FEE_DENOMINATOR)
    }

    pub fn impact_pct(&self, amount: U256, out: U256) -> f64 {
        impact_pct(f64::from(out), self.ideal(amount))
    }
}

impl Quoting for PoolModel<'_> {
    fn quote(&self, amount: U256) -> Option<U256> {
        self.quote_detail(amount).ok()
    }
    fn leg_gas(&self) -> u64 {
        sell_gas_units(self.0.venue)
    }
}

fn impact_pct(out: f64, ideal: f64) -> f64 {
    if ideal <= 0.0 {
        0.0
    } else {
        ((1.0 - out / ideal) * 100.0).max(0.0)
    }
}

/// The best exit for `amount` through `models`, net of gas at `gas_price`.
pub fn best_exit(amount: U256, models: &[PoolModel<'_>], gas_price: U256) -> Option<Exit> {
    let split = best_split(amount, models, gas_price)?;
    let ideal: f64 = split
        .legs
        .iter()
        .map(|&(i, pop, _)| models[i].ideal(pop))
        .sum();
    Some(Exit {
        legs: split
            .legs
            .iter()
            .map(|&(i, pop, out)| Leg {
                venue: models[i].0.venue,
                pool: models[i].0.address,
                pop_raw: pop,
                eth_out_wei: out,
            })
            .collect(),
        eth_out_wei: split.gross,
        gas_cost_wei: split.gas_cost,
        price_impact_pct: impact_pct(f64::from(split.gross), ideal),
    })
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

/// Everything a holder needs to know about selling, from one reading.
pub fn compute(reading: &ChainReading, decimals: u8) -> ExitReading {
    let unit = U256::from(10u64).pow(U256::from(decimals));
    let gas_price = reading.gas_price_wei.unwrap_or_default();
    let models: Vec<PoolModel> = reading
        .pools
        .iter()
        .filter(|p| !p.pop_reserve_raw.is_zero() && !p.weth_reserve_wei.is_zero())
        .map(PoolModel)
        .collect();
    let wallets: Vec<WalletExit> = reading
        .balances
        .iter()
        .map(|b| {
            let pop = b.pop_raw.unwrap_or_default();
            let quotes = if pop.is_zero() {
                Vec::new()
            } else {
                models
                    .iter()
                    .map(|m| match m.quote_detail(pop) {
                        Ok(out) => Quote {
                            venue: m.0.venue,
                            pool: m.0.address,
                            eth_out_wei: Some(out),
                            price_impact_pct: Some(m.impact_pct(pop, out)),
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
            };
            WalletExit {
                address: b.address,
                quotes,
                exit: best_exit(pop, &models, gas_price),
                sell_check: None,
            }
        })
        .collect();
    let total: U256 = reading.balances.iter().filter_map(|b| b.pop_raw).sum();
    let mut ladder_sizes: Vec<U256> = LADDER_WHOLE.iter().map(|w| U256::from(*w) * unit).collect();
    ladder_sizes.extend(
        reading
            .balances
            .iter()
            .filter_map(|b| b.pop_raw)
            .filter(|p| !p.is_zero()),
    );
    ladder_sizes.sort();
    ladder_sizes.dedup();
    let pools = models
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
        .collect();
    ExitReading {
        block: reading.block,
        gas_price_wei: gas_price,
        pools,
        wallets,
        portfolio_exit: best_exit(total, &models, gas_price),
    }
}
