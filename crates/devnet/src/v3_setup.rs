//! Floating-point helpers to *set up* Uniswap V3 pools on the devnet (initial price, tick
//! ranges, liquidity for a target ETH amount). Approximate by design: they only choose what to
//! mint. Quotes are never computed here (those are exact integer math in the chain module).

use alloy::primitives::{U160, U256};

/// Tick spacing of each standard fee tier.
pub fn tick_spacing(fee: u32) -> i32 {
    match fee {
        100 => 1,
        500 => 10,
        3000 => 60,
        _ => 200,
    }
}

/// The pool price as token1 per token0 in raw units, given whole POP per ETH and whether POP
/// is token0 (both tokens with the same decimals).
pub fn raw_price(pop_per_eth: f64, pop_is_token0: bool) -> f64 {
    if pop_is_token0 {
        1.0 / pop_per_eth
    } else {
        pop_per_eth
    }
}

pub fn sqrt_price_x96(price: f64) -> U160 {
    let value = price.sqrt() * 2f64.powi(96);
    // Below 2^128 for every price a devnet uses; U160 holds it.
    U160::from(value as u128)
}

pub fn price_to_tick(price: f64) -> i32 {
    (price.ln() / 1.0001f64.ln()).floor() as i32
}

fn tick_sqrt(tick: i32) -> f64 {
    1.0001f64.powf(f64::from(tick) / 2.0)
}

/// Rounds a tick down to a multiple of `spacing`.
pub fn align_down(tick: i32, spacing: i32) -> i32 {
    tick.div_euclid(spacing) * spacing
}

/// The liquidity that puts about `eth_raw` of WETH into the range `[lower, upper]` at `price`.
pub fn liquidity_for_eth(
    price: f64,
    lower: i32,
    upper: i32,
    eth_raw: U256,
    weth_is_token1: bool,
) -> u128 {
    let eth = f64::from(eth_raw);
    let (sa, sb, sc) = (tick_sqrt(lower), tick_sqrt(upper), price.sqrt());
    let per_unit = if weth_is_token1 {
        sc - sa
    } else {
        1.0 / sc - 1.0 / sb
    };
    (eth / per_unit) as u128
}
