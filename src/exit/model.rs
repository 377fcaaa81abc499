//! A pool as the exit maths sees it (its quote, spot, impact and the gas of a leg in it), and
//! the best exit of an amount from a wallet: shared by each wallet's exit (`compute`) and the
//! portfolio's plan (`plan`). Pure: no I/O.

use alloy::primitives::{Address, U256};

use super::quote::{
    Candidates, FEE_DENOMINATOR, LegGas, Quoting, V3QuoteError, constant_product_out,
};
use crate::state::chain::{PoolReading, WalletBalance};
use crate::state::exits::{Exit, Leg, Venue};

/// Gas units of one sell leg's swap sent from a wallet through the venue's router or exchange,
/// the 21,000 base of its transaction included. Measured by executing sells of a few sizes on
/// the devnet (`tests/integration/exits.rs`, `gas_units_match_executed_sells` asserts them
/// within 10%; the measured values are in BENCHMARKS.md). Not the quoter's `gasEstimate`,
/// which covers the pool's swap alone.
pub fn swap_gas_units(venue: Venue) -> u64 {
    match venue {
        // Measured 57,960-57,972 on the real Vyper exchange (tokenToEthSwapInput).
        Venue::UniswapV1 => 58_000,
        // Measured 147,620-147,632 (swapExactTokensForETH, which unwraps WETH).
        Venue::UniswapV2 | Venue::Sushiswap => 148_000,
        // Measured 136,225-142,965 (SwapRouter.exactInputSingle, WETH out) for a swap that
        // stays between two initialized ticks; each tick crossed adds the constant below.
        Venue::UniswapV3 => 141_000,
    }
}

/// What a V3 swap adds for each initialized tick it crosses (measured 43,100-44,200 on the
/// devnet's pools: the tick's fee-growth slots are written), and for each bitmap word it
/// passes without one (measured 7,500-8,600).
pub const V3_TICK_CROSSED_GAS_UNITS: u64 = 44_000;
pub const V3_WORD_PASSED_GAS_UNITS: u64 = 8_000;

/// Gas units of the `approve` a wallet sends before a sale when its allowance to the venue's
/// spender is short: measured 46,151-46,175 from a zero allowance, 29,051 over an existing one;
/// the dearer case is charged, so the figure is an upper bound.
pub const APPROVE_GAS_UNITS: u64 = 46_200;

/// The gas of one sell leg in `venue`.
pub fn leg_gas(venue: Venue) -> LegGas {
    LegGas {
        swap: swap_gas_units(venue),
        approve: APPROVE_GAS_UNITS,
    }
}

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
    pub(crate) fn ideal(&self, amount: U256) -> f64 {
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
    fn leg_gas(&self, amount: U256) -> LegGas {
        let mut gas = leg_gas(self.0.venue);
        if let Some(v3) = &self.0.v3 {
            // Unsellable amounts have no leg: the base is as good as any figure.
            let (ticks, words) = v3.ticks_crossed(amount).unwrap_or_default();
            gas.swap += V3_TICK_CROSSED_GAS_UNITS * u64::from(ticks)
                + V3_WORD_PASSED_GAS_UNITS * u64::from(words);
        }
        gas
    }
    fn quoter(&self) -> Box<dyn FnMut(U256) -> Option<U256> + '_> {
        match &self.0.v3 {
            Some(v3) => {
                let mut quote = v3.quoter();
                Box::new(move |amount| quote(&amount).ok())
            }
            None => Box::new(|amount| self.quote(amount)),
        }
    }
}

pub(crate) fn impact_pct(out: f64, ideal: f64) -> f64 {
    if ideal <= 0.0 {
        0.0
    } else {
        ((1.0 - out / ideal) * 100.0).max(0.0)
    }
}

/// The best exit for `amount` through `models`, net of gas at `gas_price`, from a wallet that
/// approved none of the venues.
pub fn best_exit(amount: U256, models: &[PoolModel<'_>], gas_price: Option<U256>) -> Option<Exit> {
    exit_from(&Candidates::new(amount, models), models, gas_price, &|_| {
        true
    })
}

/// The best of `candidates` at `gas_price`, as an exit, a leg in `models[i]` paying its approve
/// where `needs_approve(i)`. With the gas price unknown, the most gross ETH is the best, and
/// the exit's gas cost is unknown too (never taken as 0).
pub(crate) fn exit_from(
    candidates: &Candidates,
    models: &[PoolModel<'_>],
    gas_price: Option<U256>,
    needs_approve: &dyn Fn(usize) -> bool,
) -> Option<Exit> {
    let split = candidates.best(gas_price.unwrap_or_default(), needs_approve)?;
    let gas_units = split.gas_units;
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
                needs_approve: needs_approve(i),
            })
            .collect(),
        eth_out_wei: split.gross,
        gas_cost_wei: gas_price.map(|_| split.gas_cost),
        gas_units,
        price_impact_pct: impact_pct(f64::from(split.gross), ideal),
    })
}

/// Whether `wallet` must approve `spender` before selling its whole balance: unless its
/// allowance, as read at the refresh's block, covers it. An allowance that could not be read
/// is taken as short, so the gas shown is the dearer of the two, never the cheaper guess.
pub(crate) fn allowance_short(wallet: &WalletBalance, spender: Address) -> bool {
    let allowance = wallet
        .allowances
        .iter()
        .find(|(s, _)| *s == spender)
        .and_then(|(_, a)| *a);
    match (allowance, wallet.pop_raw) {
        (Some(allowance), Some(balance)) => allowance < balance,
        _ => true,
    }
}
