//! The exact-input swap step of Uniswap V3 (`SwapMath.computeSwapStep` and the
//! `SqrtPriceMath`/`FullMath` functions it calls), result for result and error for error the
//! same as `uniswap_v3_math`'s port of the Solidity, which stays the oracle in the tests below.
//! Why a second copy: that port computes every `mulDiv` with two or three 512-bit modular
//! multiplications, Solidity's workaround for lacking wide integers; a widening multiply and
//! one division give the same quotient, and the exit search of a thousand wallets spent a
//! third of its time there.

use alloy::primitives::U256;
use uniswap_v3_math::error::UniswapV3MathError as MathError;

type U512 = alloy::primitives::ruint::Uint<512, 8>;

const Q96_SHIFT: usize = 96;
const MAX_U160: U256 = U256::from_limbs([u64::MAX, u64::MAX, u32::MAX as u64, 0]);
const Q96: U256 = U256::from_limbs([0, 1 << 32, 0, 0]);

/// `⌊a·b / d⌋` and whether a remainder was left, with `FullMath.mulDiv`'s failures: a zero
/// denominator, or a quotient that does not fit 256 bits.
fn mul_div_rem(a: U256, b: U256, d: U256) -> Result<(U256, bool), MathError> {
    if let Some(product) = a.checked_mul(b) {
        if d.is_zero() {
            return Err(MathError::DenominatorIsZero);
        }
        let (q, r) = product.div_rem(d);
        return Ok((q, !r.is_zero()));
    }
    let product: U512 = a.widening_mul(b);
    let high = U256::from_limbs(product.as_limbs()[4..].try_into().expect("4 limbs"));
    if d <= high {
        return Err(MathError::DenominatorIsLteProdOne);
    }
    let (q, r) = product.div_rem(U512::from(d));
    let limbs = q.as_limbs();
    Ok((
        U256::from_limbs(limbs[..4].try_into().expect("4 limbs")),
        !r.is_zero(),
    ))
}

pub fn mul_div(a: U256, b: U256, d: U256) -> Result<U256, MathError> {
    mul_div_rem(a, b, d).map(|(q, _)| q)
}

pub fn mul_div_rounding_up(a: U256, b: U256, d: U256) -> Result<U256, MathError> {
    match mul_div_rem(a, b, d)? {
        (q, false) => Ok(q),
        (q, true) if q == U256::MAX => Err(MathError::ResultIsU256MAX),
        (q, true) => Ok(q + U256::from(1)),
    }
}

fn div_rounding_up(a: U256, b: U256) -> U256 {
    let (q, r) = (a.wrapping_div(b), a.wrapping_rem(b));
    if r.is_zero() { q } else { q + U256::from(1) }
}

fn amount_0_delta(a: U256, b: U256, liquidity: u128, round_up: bool) -> Result<U256, MathError> {
    let (a, b) = if a > b { (b, a) } else { (a, b) };
    let numerator_1 = U256::from(liquidity) << Q96_SHIFT;
    let numerator_2 = b - a;
    if a.is_zero() {
        return Err(MathError::SqrtPriceIsZero);
    }
    if round_up {
        Ok(div_rounding_up(
            mul_div_rounding_up(numerator_1, numerator_2, b)?,
            a,
        ))
    } else {
        Ok(mul_div(numerator_1, numerator_2, b)? / a)
    }
}

fn amount_1_delta(a: U256, b: U256, liquidity: u128, round_up: bool) -> Result<U256, MathError> {
    let (a, b) = if a > b { (b, a) } else { (a, b) };
    if round_up {
        mul_div_rounding_up(U256::from(liquidity), b - a, Q96)
    } else {
        mul_div(U256::from(liquidity), b - a, Q96)
    }
}

/// `SqrtPriceMath.getNextSqrtPriceFromInput`.
fn next_sqrt_price_from_input(
    sqrt_price: U256,
    liquidity: u128,
    amount_in: U256,
    zero_for_one: bool,
) -> Result<U256, MathError> {
    if sqrt_price.is_zero() {
        return Err(MathError::SqrtPriceIsZero);
    }
    if liquidity == 0 {
        return Err(MathError::LiquidityIsZero);
    }
    if zero_for_one {
        // getNextSqrtPriceFromAmount0RoundingUp, adding.
        if amount_in.is_zero() {
            return Ok(sqrt_price);
        }
        let numerator_1 = U256::from(liquidity) << Q96_SHIFT;
        let product = amount_in.wrapping_mul(sqrt_price);
        if product.wrapping_div(amount_in) == sqrt_price {
            let denominator = numerator_1.wrapping_add(product);
            if denominator >= numerator_1 {
                return mul_div_rounding_up(numerator_1, sqrt_price, denominator);
            }
        }
        Ok(div_rounding_up(
            numerator_1,
            numerator_1.wrapping_div(sqrt_price).wrapping_add(amount_in),
        ))
    } else {
        // getNextSqrtPriceFromAmount1RoundingDown, adding.
        let liquidity = U256::from(liquidity);
        let quotient = if amount_in <= MAX_U160 {
            (amount_in << Q96_SHIFT) / liquidity
        } else {
            mul_div(amount_in, Q96, liquidity)?
        };
        let next = sqrt_price + quotient;
        if next > MAX_U160 {
            Err(MathError::SafeCastToU160Overflow)
        } else {
            Ok(next)
        }
    }
}

/// `SwapMath.computeSwapStep` for an exact input (`remaining ≥ 0`): the price reached, the
/// amount in, the amount out, the fee.
pub fn swap_step_exact_in(
    current: U256,
    target: U256,
    liquidity: u128,
    remaining: U256,
    fee_pips: u32,
) -> Result<(U256, U256, U256, U256), MathError> {
    let zero_for_one = current >= target;
    let less_fee = mul_div(
        remaining,
        U256::from(1_000_000 - fee_pips),
        U256::from(1_000_000),
    )?;
    let mut amount_in = if zero_for_one {
        amount_0_delta(target, current, liquidity, true)?
    } else {
        amount_1_delta(current, target, liquidity, true)?
    };
    let next = if less_fee >= amount_in {
        target
    } else {
        next_sqrt_price_from_input(current, liquidity, less_fee, zero_for_one)?
    };
    let max = next == target;
    let amount_out;
    if zero_for_one {
        if !max {
            amount_in = amount_0_delta(next, current, liquidity, true)?;
        }
        amount_out = amount_1_delta(next, current, liquidity, false)?;
    } else {
        if !max {
            amount_in = amount_1_delta(current, next, liquidity, true)?;
        }
        amount_out = amount_0_delta(current, next, liquidity, false)?;
    }
    let fee = if !max {
        remaining - amount_in
    } else {
        mul_div_rounding_up(
            amount_in,
            U256::from(fee_pips),
            U256::from(1_000_000 - fee_pips),
        )?
    };
    Ok((next, amount_in, amount_out, fee))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uniswap_v3_math::{full_math, swap_math};

    fn u256() -> impl Strategy<Value = U256> {
        prop_oneof![
            any::<u64>().prop_map(U256::from),
            any::<u128>().prop_map(U256::from),
            any::<[u8; 20]>().prop_map(|b| U256::from_be_slice(&b)),
            any::<[u8; 32]>().prop_map(U256::from_be_bytes),
            Just(U256::ZERO),
            Just(U256::MAX),
        ]
    }

    fn same<T: PartialEq + std::fmt::Debug>(
        ours: Result<T, MathError>,
        theirs: Result<T, MathError>,
    ) -> Result<(), TestCaseError> {
        match (ours, theirs) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "ours {:?}, theirs {:?}", a, b),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn mul_div_equals_full_math(a in u256(), b in u256(), d in u256()) {
            same(mul_div(a, b, d), full_math::mul_div(a, b, d))?;
            same(mul_div_rounding_up(a, b, d), full_math::mul_div_rounding_up(a, b, d))?;
        }

        #[test]
        fn the_swap_step_equals_swap_math(
            current in prop_oneof![u256(), (4_295_128_739u64..u64::MAX).prop_map(U256::from), any::<[u8; 20]>().prop_map(|b| U256::from_be_slice(&b))],
            target in prop_oneof![u256(), any::<[u8; 20]>().prop_map(|b| U256::from_be_slice(&b))],
            liquidity in prop_oneof![any::<u128>(), 0u128..1 << 64, Just(0u128)],
            remaining in prop_oneof![u256(), any::<u128>().prop_map(U256::from)],
            fee in prop_oneof![Just(500u32), Just(3000), Just(10_000), 0u32..1_000_000],
        ) {
            let Ok(remaining_signed) = alloy::primitives::I256::try_from(remaining) else {
                return Ok(());
            };
            let ours = swap_step_exact_in(current, target, liquidity, remaining, fee);
            let theirs = std::panic::catch_unwind(|| {
                swap_math::compute_swap_step(current, target, liquidity, remaining_signed, fee)
            });
            // The oracle panics on some nonsense (an overflow in debug builds): nothing to
            // compare with there.
            if let Ok(theirs) = theirs {
                same(ours, theirs)?;
            }
        }
    }
}
