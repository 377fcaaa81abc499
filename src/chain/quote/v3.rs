//! An exact Uniswap V3 exact-input swap simulation over a pool's initialized ticks, stepping
//! word by word through the tick bitmap exactly as `UniswapV3Pool.swap` does (its rounding
//! depends on the steps), so the output equals QuoterV2's to the wei. Pure: the pool's state
//! comes in as data.

use std::collections::HashMap;

use alloy::primitives::{I256, U256};
use uniswap_v3_math::{liquidity_math, swap_math, tick_bitmap, tick_math};

/// A V3 pool's state at one block, as far as a sell of POP needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct V3State {
    pub sqrt_price_x96: U256,
    pub tick: i32,
    pub liquidity: u128,
    pub fee_ppm: u32,
    pub tick_spacing: i32,
    /// True when POP is token0: selling POP moves the price down (zero for one).
    pub pop_is_token0: bool,
    /// Tick bitmap words that were read (missing words are unknown, not empty).
    pub words: HashMap<i16, U256>,
    /// `liquidityNet` of every initialized tick inside the words read.
    pub liquidity_net: HashMap<i32, i128>,
}

/// Why a V3 quote has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V3QuoteError {
    /// The pool's liquidity runs out before the whole amount is sold: a partial fill.
    #[error("the pool cannot absorb this amount")]
    CannotAbsorb,
    /// The swap would step past the ticks that were read.
    #[error("the sale moves the price beyond the ticks read")]
    BeyondTicksRead,
    #[error("V3 math: {0}")]
    Math(String),
}

fn math<E: std::fmt::Display>(e: E) -> V3QuoteError {
    V3QuoteError::Math(e.to_string())
}

/// The words a sell needs, from the current tick's word in the selling direction.
pub fn words_to_read(
    tick: i32,
    tick_spacing: i32,
    pop_is_token0: bool,
    ticks_of_travel: i32,
) -> Vec<i16> {
    let compressed = tick.div_euclid(tick_spacing);
    let word = (compressed >> 8) as i16;
    let count = (ticks_of_travel / (256 * tick_spacing)).max(0) as i16 + 2;
    (0..count)
        .map(|k| {
            if pop_is_token0 {
                word.saturating_sub(k)
            } else {
                word.saturating_add(k)
            }
        })
        .collect()
}

impl V3State {
    fn word_of(&self, tick: i32, lte: bool) -> i16 {
        let compressed = tick.div_euclid(self.tick_spacing);
        let compressed = if lte { compressed } else { compressed + 1 };
        (compressed >> 8) as i16
    }

    /// ETH (WETH) out for selling `amount` POP, or why not.
    pub fn quote(&self, amount: U256) -> Result<U256, V3QuoteError> {
        if amount.is_zero() {
            return Err(V3QuoteError::Math("zero amount".into()));
        }
        let zero_for_one = self.pop_is_token0;
        let limit = if zero_for_one {
            tick_math::MIN_SQRT_RATIO + U256::from(1)
        } else {
            tick_math::MAX_SQRT_RATIO - U256::from(1)
        };
        let mut sqrt_price = self.sqrt_price_x96;
        let mut tick = self.tick;
        let mut liquidity = self.liquidity;
        let mut remaining = amount;
        let mut out = U256::ZERO;
        while !remaining.is_zero() && sqrt_price != limit {
            if !self.words.contains_key(&self.word_of(tick, zero_for_one)) {
                return Err(V3QuoteError::BeyondTicksRead);
            }
            let (mut tick_next, initialized) = tick_bitmap::next_initialized_tick_within_one_word(
                &self.words,
                tick,
                self.tick_spacing,
                zero_for_one,
            )
            .map_err(math)?;
            tick_next = tick_next.clamp(tick_math::MIN_TICK, tick_math::MAX_TICK);
            let sqrt_next = tick_math::get_sqrt_ratio_at_tick(tick_next).map_err(math)?;
            let target = if zero_for_one {
                sqrt_next.max(limit)
            } else {
                sqrt_next.min(limit)
            };
            let remaining_signed = I256::try_from(remaining).map_err(math)?;
            let (new_price, amount_in, amount_out, fee) = swap_math::compute_swap_step(
                sqrt_price,
                target,
                liquidity,
                remaining_signed,
                self.fee_ppm,
            )
            .map_err(math)?;
            remaining -= amount_in + fee;
            out += amount_out;
            if new_price == sqrt_next {
                if initialized {
                    let net = *self
                        .liquidity_net
                        .get(&tick_next)
                        .ok_or(V3QuoteError::BeyondTicksRead)?;
                    let delta = if zero_for_one { -net } else { net };
                    liquidity = liquidity_math::add_delta(liquidity, delta).map_err(math)?;
                }
                tick = if zero_for_one {
                    tick_next - 1
                } else {
                    tick_next
                };
            } else if new_price != sqrt_price {
                tick = tick_math::get_tick_at_sqrt_ratio(new_price).map_err(math)?;
            }
            sqrt_price = new_price;
        }
        if !remaining.is_zero() {
            return Err(V3QuoteError::CannotAbsorb);
        }
        Ok(out)
    }

    /// The spot price before any trade: WETH per POP in raw units, as an f64 ratio.
    pub fn spot_weth_per_pop(&self) -> f64 {
        let p = f64::from(self.sqrt_price_x96) / 2f64.powi(96);
        let token1_per_token0 = p * p;
        if self.pop_is_token0 {
            token1_per_token0
        } else {
            1.0 / token1_per_token0
        }
    }
}
