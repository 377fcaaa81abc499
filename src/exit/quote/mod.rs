//! Exact quote math on integers, no I/O: what a pool pays for an amount of POP, and the price
//! impact of that sale as the Uniswap interface shows it (fee excluded).

use alloy::primitives::U256;

mod split;
mod v3;
mod v3_math;
pub use split::{Candidates, LegGas, Quoting, Split, best_split};
pub use v3::{V3QuoteError, V3State, words_to_read};

/// Fee denominator: fees are in millionths (3000 = 0.3%).
pub const FEE_DENOMINATOR: u32 = 1_000_000;

/// The output of a constant-product pool (Uniswap V1 and V2, SushiSwap) for `amount_in`, with
/// the fee taken from the input, rounded down like the contracts:
/// `in·(1−fee)·R_out / (R_in + in·(1−fee))`. For the 0.3% fee this equals V2's
/// `getAmountOut` and V1's `getInputPrice` to the wei. `None` for a zero amount or an empty
/// pool (both contracts revert there).
pub fn constant_product_out(
    amount_in: U256,
    reserve_in: U256,
    reserve_out: U256,
    fee_ppm: u32,
) -> Option<U256> {
    if amount_in.is_zero() || reserve_in.is_zero() || reserve_out.is_zero() {
        return None;
    }
    let with_fee = amount_in.checked_mul(U256::from(FEE_DENOMINATOR - fee_ppm))?;
    let numerator = with_fee.checked_mul(reserve_out)?;
    let denominator = reserve_in
        .checked_mul(U256::from(FEE_DENOMINATOR))?
        .checked_add(with_fee)?;
    Some(numerator / denominator)
}

/// Price impact in percent: `1 − out / (amount × spot × (1 − fee))`, the loss to price
/// movement alone. `spot` is `reserve_out / reserve_in` before the trade.
pub fn price_impact_pct(
    amount_in: U256,
    out: U256,
    reserve_in: U256,
    reserve_out: U256,
    fee_ppm: u32,
) -> f64 {
    let ideal = f64::from(amount_in) * f64::from(reserve_out) / f64::from(reserve_in)
        * (f64::from(FEE_DENOMINATOR - fee_ppm) / f64::from(FEE_DENOMINATOR));
    if ideal <= 0.0 {
        return 0.0;
    }
    ((1.0 - f64::from(out) / ideal) * 100.0).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64).pow(U256::from(18))
    }

    #[test]
    fn equals_the_v2_formula_with_the_0_3_percent_fee() {
        let (r_in, r_out) = (eth(300_000_000), eth(1));
        for amount in [U256::from(1u8), eth(1), eth(1_000_000), eth(1_000_000_000)] {
            let v2 = amount * U256::from(997) * r_out
                / (r_in * U256::from(1000) + amount * U256::from(997));
            assert_eq!(constant_product_out(amount, r_in, r_out, 3000), Some(v2));
        }
        assert_eq!(constant_product_out(U256::ZERO, r_in, r_out, 3000), None);
        assert_eq!(constant_product_out(eth(1), U256::ZERO, r_out, 3000), None);
    }

    #[test]
    fn impact_grows_with_size_and_excludes_the_fee() {
        let (r_in, r_out) = (eth(300_000_000), eth(1));
        let tiny = eth(1);
        let small = price_impact_pct(
            tiny,
            constant_product_out(tiny, r_in, r_out, 3000).unwrap(),
            r_in,
            r_out,
            3000,
        );
        assert!(small < 0.001, "{small}");
        let whale = eth(300_000_000);
        let big = price_impact_pct(
            whale,
            constant_product_out(whale, r_in, r_out, 3000).unwrap(),
            r_in,
            r_out,
            3000,
        );
        assert!((49.0..51.0).contains(&big), "{big}");
    }
}
