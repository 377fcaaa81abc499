//! An exact Uniswap V3 exact-input swap simulation over a pool's initialized ticks, stepping
//! word by word through the tick bitmap exactly as `UniswapV3Pool.swap` does (its rounding
//! depends on the steps), so the output equals QuoterV2's to the wei. Pure: the pool's state
//! comes in as data.

use alloy::primitives::{I256, U256};
use uniswap_v3_math::{liquidity_math, tick_bitmap, tick_math};

use super::v3_math;

use super::FEE_DENOMINATOR;

pub use crate::state::chain::V3State;

/// A sale part-way through: where the price stands, what was sold and fetched so far.
#[derive(Debug, Clone)]
struct Walk {
    sqrt_price: U256,
    tick: i32,
    liquidity: u128,
    spent: U256,
    out: U256,
    /// The next step's target from here (tick, initialized, its price), once looked up.
    next: Option<(i32, bool, U256)>,
    /// Initialized ticks crossed so far, and bitmap word boundaries passed without one: what
    /// makes a large V3 swap cost more gas.
    crossed: u32,
    words_passed: u32,
    /// The last step ended inside a tick range and, the sale being over, `tick` was not
    /// brought up to its price (see [`V3State::after_sell`]).
    tick_stale: bool,
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
        self.sell_from(self.start(), amount, None)
            .map(|walk| walk.out)
    }

    /// The pool's state after selling `amount` in it (price, tick and active liquidity as the
    /// pool leaves them), for the next sale in the same plan.
    pub fn after_sell(&self, amount: U256) -> Result<V3State, V3QuoteError> {
        let mut after = self.clone();
        after.sell(amount)?;
        Ok(after)
    }

    /// [`V3State::after_sell`] in place (the bitmap words and ticks read stay as they are: a
    /// plan of a thousand sales does not copy them a thousand times).
    pub fn sell(&mut self, amount: U256) -> Result<(), V3QuoteError> {
        let walk = self.sell_from(self.start(), amount, None)?;
        self.tick = if walk.tick_stale {
            tick_math::get_tick_at_sqrt_ratio(walk.sqrt_price).map_err(math)?
        } else {
            walk.tick
        };
        self.sqrt_price_x96 = walk.sqrt_price;
        self.liquidity = walk.liquidity;
        Ok(())
    }

    /// How many initialized ticks selling `amount` crosses, and how many bitmap word
    /// boundaries it passes without one (each costs swap gas), or why it cannot be sold.
    pub fn ticks_crossed(&self, amount: U256) -> Result<(u32, u32), V3QuoteError> {
        self.sell_from(self.start(), amount, None)
            .map(|walk| (walk.crossed, walk.words_passed))
    }

    /// [`V3State::quote`] of each of `amounts`, to the wei; fastest in ascending order (what
    /// a split asks: 1, 2, 3… slices), where the steps every amount takes alike (whole tick
    /// ranges crossed) are walked once. See [`V3State::quoter`].
    pub fn quote_ascending(&self, amounts: &[U256]) -> Vec<Result<U256, V3QuoteError>> {
        amounts.iter().map(self.quoter()).collect()
    }

    /// [`V3State::quote`] as a function that keeps, between calls, the steps that every
    /// larger amount takes alike: asked for ascending amounts, it walks their ticks once.
    /// An amount smaller than what was shared is quoted from the start.
    pub fn quoter(&self) -> impl FnMut(&U256) -> Result<U256, V3QuoteError> + '_ {
        let mut shared = self.start();
        move |&amount| {
            if amount <= shared.spent {
                self.quote(amount)
            } else {
                self.sell_from(shared.clone(), amount, Some(&mut shared))
                    .map(|walk| walk.out)
            }
        }
    }

    fn start(&self) -> Walk {
        Walk {
            sqrt_price: self.sqrt_price_x96,
            tick: self.tick,
            liquidity: self.liquidity,
            spent: U256::ZERO,
            out: U256::ZERO,
            next: None,
            crossed: 0,
            words_passed: 0,
            tick_stale: false,
        }
    }

    fn price_limit(&self) -> U256 {
        if self.pop_is_token0 {
            tick_math::MIN_SQRT_RATIO + U256::from(1)
        } else {
            tick_math::MAX_SQRT_RATIO - U256::from(1)
        }
    }

    /// Sells `amount` in total, going on from `walk`. While every step is one any larger
    /// amount takes alike, the walk so far is left in `shared` for the next amount.
    fn sell_from(
        &self,
        mut walk: Walk,
        amount: U256,
        mut shared: Option<&mut Walk>,
    ) -> Result<Walk, V3QuoteError> {
        if amount.is_zero() {
            return Err(V3QuoteError::Math("zero amount".into()));
        }
        let limit = self.price_limit();
        while walk.spent < amount && walk.sqrt_price != limit {
            let remaining = amount - walk.spent;
            let alike_for_larger = self.step(&mut walk, remaining, limit)?;
            if alike_for_larger && walk.spent < amount {
                if let Some(shared) = shared.as_deref_mut() {
                    shared.clone_from(&walk);
                }
            } else {
                shared = None;
            }
        }
        if walk.spent < amount {
            return Err(V3QuoteError::CannotAbsorb);
        }
        Ok(walk)
    }

    /// One step of `UniswapV3Pool.swap` with `remaining` left to sell: to the next initialized
    /// tick (or word boundary), or less when the rest runs out first. True when any larger
    /// remaining would take this step identically: it reached its target with the fee-less
    /// amount to spare, so a larger amount reaches it by the same branch of `SwapMath`.
    fn step(&self, walk: &mut Walk, remaining: U256, limit: U256) -> Result<bool, V3QuoteError> {
        let zero_for_one = self.pop_is_token0;
        let (tick_next, initialized, sqrt_next) = match walk.next {
            Some(next) => next,
            None => {
                if !self
                    .words
                    .contains_key(&self.word_of(walk.tick, zero_for_one))
                {
                    return Err(V3QuoteError::BeyondTicksRead);
                }
                let (tick_next, initialized) = tick_bitmap::next_initialized_tick_within_one_word(
                    &self.words,
                    walk.tick,
                    self.tick_spacing,
                    zero_for_one,
                )
                .map_err(math)?;
                let tick_next = tick_next.clamp(tick_math::MIN_TICK, tick_math::MAX_TICK);
                let sqrt_next = tick_math::get_sqrt_ratio_at_tick(tick_next).map_err(math)?;
                // Kept: every amount that walks on from this point asks for the same.
                walk.next = Some((tick_next, initialized, sqrt_next));
                (tick_next, initialized, sqrt_next)
            }
        };
        let target = if zero_for_one {
            sqrt_next.max(limit)
        } else {
            sqrt_next.min(limit)
        };
        // `amountSpecified` is an int256 in the pool.
        I256::try_from(remaining).map_err(math)?;
        let (new_price, amount_in, amount_out, fee) = v3_math::swap_step_exact_in(
            walk.sqrt_price,
            target,
            walk.liquidity,
            remaining,
            self.fee_ppm,
        )
        .map_err(math)?;
        let used = amount_in + fee;
        if used > remaining {
            return Err(V3QuoteError::Math(
                "a swap step spent more than was left".into(),
            ));
        }
        // `SwapMath`'s own test, `remaining × (1 − fee) ≥ amountIn`, asked only of a step that
        // reached its target (a partial step ends the sale anyway).
        let alike_for_larger = new_price == target
            && v3_math::mul_div(
                remaining,
                U256::from(FEE_DENOMINATOR - self.fee_ppm),
                U256::from(FEE_DENOMINATOR),
            )
            .map_err(math)?
                >= amount_in;
        walk.spent += used;
        walk.out += amount_out;
        if new_price == sqrt_next {
            if initialized {
                let net = *self
                    .liquidity_net
                    .get(&tick_next)
                    .ok_or(V3QuoteError::BeyondTicksRead)?;
                let delta = if zero_for_one { -net } else { net };
                walk.liquidity = liquidity_math::add_delta(walk.liquidity, delta).map_err(math)?;
                walk.crossed += 1;
            } else {
                walk.words_passed += 1;
            }
            walk.tick = if zero_for_one {
                tick_next - 1
            } else {
                tick_next
            };
            walk.next = None;
        } else if new_price != walk.sqrt_price {
            walk.next = None;
            // Only a walk that goes on needs the tick it stopped in.
            if used < remaining {
                walk.tick = tick_math::get_tick_at_sqrt_ratio(new_price).map_err(math)?;
            } else {
                walk.tick_stale = true;
            }
        }
        walk.sqrt_price = new_price;
        Ok(alike_for_larger)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// A pool as the chain would hold it: positions of random width and liquidity around a
    /// random current tick, the bitmap and `liquidityNet` they imply, every word a sale from
    /// the current tick could need.
    fn pool() -> impl Strategy<Value = V3State> {
        let spacing = 60;
        (
            -40_000i32..40_000,
            prop::collection::vec((-600i32..600, 1i32..200, 1u128..1u128 << 90), 1..6),
            any::<bool>(),
            prop_oneof![Just(500u32), Just(3000), Just(10_000)],
        )
            .prop_map(move |(tick, positions, pop_is_token0, fee_ppm)| {
                let mut liquidity_net: HashMap<i32, i128> = HashMap::new();
                let mut words: HashMap<i16, U256> = HashMap::new();
                let mut liquidity = 0u128;
                let centre = tick.div_euclid(spacing);
                for (offset, width, l) in positions {
                    let lower = (centre + offset) * spacing;
                    let upper = lower + width * spacing;
                    if (lower..upper).contains(&tick) {
                        liquidity += l;
                    }
                    for (t, net) in [(lower, l as i128), (upper, -(l as i128))] {
                        *liquidity_net.entry(t).or_default() += net;
                        let compressed = t / spacing;
                        let word = words.entry((compressed >> 8) as i16).or_default();
                        *word |= U256::from(1) << (compressed & 255) as usize;
                    }
                }
                for word in words_to_read(tick, spacing, pop_is_token0, 2_000 * spacing) {
                    words.entry(word).or_default();
                }
                V3State {
                    sqrt_price_x96: tick_math::get_sqrt_ratio_at_tick(tick).unwrap()
                        + U256::from(12_345u64),
                    tick,
                    liquidity,
                    fee_ppm,
                    tick_spacing: spacing,
                    pop_is_token0,
                    words,
                    liquidity_net,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// The shared walk is an optimisation only: every amount's quote, error included,
        /// equals the quote of that amount alone.
        #[test]
        fn quotes_in_one_walk_equal_quotes_one_by_one(
            state in pool(),
            mut amounts in prop::collection::vec(1u128..1u128 << 100, 1..40),
            slice in 1u128..1u128 << 90,
        ) {
            // Random amounts, and the sequence a split asks (k slices, k slices + the rest).
            amounts.extend((1..=64u128).map(|k| k * slice));
            amounts.extend((0..64u128).map(|k| k * slice + slice + slice / 3));
            let mut amounts: Vec<U256> = amounts.into_iter().map(U256::from).collect();
            amounts.sort();
            let together = state.quote_ascending(&amounts);
            for (amount, quote) in amounts.iter().zip(together) {
                prop_assert_eq!(quote, state.quote(*amount), "amount {}", amount);
            }
        }

        /// Selling `a` and then `b` in the state the first sale leaves fetches what selling
        /// `a + b` at once does, but for rounding (each swap rounds its steps down).
        #[test]
        fn a_sale_after_a_sale_continues_where_the_first_left_the_pool(
            state in pool(),
            a in 1u128..1u128 << 100,
            b in 1u128..1u128 << 100,
        ) {
            let (a, b) = (U256::from(a), U256::from(b));
            if let (Ok(first), Ok(after), Ok(both)) =
                (state.quote(a), state.after_sell(a), state.quote(a + b))
                && let Ok(second) = after.quote(b)
            {
                let split = first + second;
                let diff = if split > both { split - both } else { both - split };
                prop_assert!(
                    diff <= U256::from(64u8).max(both / U256::from(1_000_000_000_000u64)),
                    "a {} b {}: {} + {} vs {}", a, b, first, second, both
                );
            }
        }
    }
}
