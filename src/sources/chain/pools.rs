//! Finding POP's pools (V1 `getExchange`, V2 and SushiSwap `getPair`, V3 `getPool` at every fee
//! tier) and reading their state: reserves, and for V3 the price, liquidity and the
//! initialized ticks a sale can reach.

use std::collections::HashMap;

use alloy::primitives::{Address, U256, aliases::I24};
use alloy::sol_types::SolCall;

use super::multicall::{Read, ReadResult};
use crate::abi::{
    IERC20, IMulticall3, IUniswapV1Factory, IUniswapV2Factory, IUniswapV2Pair, IUniswapV3Factory,
    IUniswapV3Pool,
};
use crate::config::Contracts;
use crate::exit::quote::{V3State, words_to_read};
use crate::state::chain::PoolReading;
use crate::state::exits::Venue;
use uniswap_v3_math::tick_math::{MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK};

/// Uniswap V3's standard fee tiers and their tick spacings.
pub const V3_FEES: [(u32, i32); 4] = [(100, 1), (500, 10), (3000, 60), (10000, 200)];

/// A pool found by discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundPool {
    pub venue: Venue,
    pub address: Address,
    pub fee_ppm: u32,
    pub tick_spacing: i32,
}

/// The discovery reads, in the order [`decode_discovery`] expects.
pub fn discovery_reads(c: &Contracts, token: Address) -> Vec<Read> {
    let mut reads = vec![
        Read::new(
            c.uniswap_v1_factory,
            IUniswapV1Factory::getExchangeCall { token },
        ),
        Read::new(
            c.uniswap_v2_factory,
            IUniswapV2Factory::getPairCall {
                tokenA: token,
                tokenB: c.weth,
            },
        ),
        Read::new(
            c.sushiswap_v2_factory,
            IUniswapV2Factory::getPairCall {
                tokenA: token,
                tokenB: c.weth,
            },
        ),
    ];
    for (fee, _) in V3_FEES {
        reads.push(Read::new(
            c.uniswap_v3_factory,
            IUniswapV3Factory::getPoolCall {
                tokenA: token,
                tokenB: c.weth,
                fee: alloy::primitives::aliases::U24::from(fee),
            },
        ));
    }
    reads
}

fn address_of(result: &ReadResult) -> Option<Address> {
    let bytes = result.as_ref()?;
    (bytes.len() >= 32)
        .then(|| Address::from_slice(&bytes[12..32]))
        .filter(|a| !a.is_zero())
}

pub fn decode_discovery(results: &[ReadResult]) -> Vec<FoundPool> {
    let mut found = Vec::new();
    let fixed = [
        (Venue::UniswapV1, 3000),
        (Venue::UniswapV2, 3000),
        (Venue::Sushiswap, 3000),
    ];
    for (k, (venue, fee)) in fixed.into_iter().enumerate() {
        if let Some(address) = results.get(k).and_then(address_of) {
            found.push(FoundPool {
                venue,
                address,
                fee_ppm: fee,
                tick_spacing: 0,
            });
        }
    }
    for (k, (fee, spacing)) in V3_FEES.into_iter().enumerate() {
        if let Some(address) = results.get(3 + k).and_then(address_of) {
            found.push(FoundPool {
                venue: Venue::UniswapV3,
                address,
                fee_ppm: fee,
                tick_spacing: spacing,
            });
        }
    }
    found
}

/// Reads per pool per refresh (same round as the balances).
pub fn state_reads(pool: &FoundPool, c: &Contracts, token: Address) -> Vec<Read> {
    match pool.venue {
        Venue::UniswapV1 => vec![
            Read::new(
                token,
                IERC20::balanceOfCall {
                    owner: pool.address,
                },
            ),
            Read::new(
                c.multicall3,
                IMulticall3::getEthBalanceCall { addr: pool.address },
            ),
        ],
        Venue::UniswapV2 | Venue::Sushiswap => {
            vec![Read::new(pool.address, IUniswapV2Pair::getReservesCall {})]
        }
        Venue::UniswapV3 => vec![
            Read::new(
                token,
                IERC20::balanceOfCall {
                    owner: pool.address,
                },
            ),
            Read::new(
                c.weth,
                IERC20::balanceOfCall {
                    owner: pool.address,
                },
            ),
            Read::new(pool.address, IUniswapV3Pool::slot0Call {}),
            Read::new(pool.address, IUniswapV3Pool::liquidityCall {}),
        ],
    }
}

pub fn state_read_count(pool: &FoundPool) -> usize {
    match pool.venue {
        Venue::UniswapV1 => 2,
        Venue::UniswapV2 | Venue::Sushiswap => 1,
        Venue::UniswapV3 => 4,
    }
}

fn u256(result: &ReadResult) -> Option<U256> {
    let bytes = result.as_ref()?;
    (bytes.len() >= 32).then(|| U256::from_be_slice(&bytes[..32]))
}

/// The address a seller approves (and calls) to sell in `pool`: V1's exchange itself, else
/// the venue's router.
pub fn spender(venue: Venue, pool: Address, c: &Contracts) -> Address {
    match venue {
        Venue::UniswapV1 => pool,
        Venue::UniswapV2 => c.uniswap_v2_router,
        Venue::Sushiswap => c.sushiswap_v2_router,
        Venue::UniswapV3 => c.uniswap_v3_router,
    }
}

/// A pool's reading from its state reads; V3 tick data is added by [`add_ticks`].
pub fn decode_state(
    pool: &FoundPool,
    results: &[ReadResult],
    token: Address,
    c: &Contracts,
) -> Option<PoolReading> {
    let pop_is_token0 = token < c.weth;
    let (pop, eth, v3) = match pool.venue {
        Venue::UniswapV1 => (u256(&results[0])?, u256(&results[1])?, None),
        Venue::UniswapV2 | Venue::Sushiswap => {
            let r =
                IUniswapV2Pair::getReservesCall::abi_decode_returns(results[0].as_ref()?).ok()?;
            let (r0, r1) = (U256::from(r.reserve0), U256::from(r.reserve1));
            if pop_is_token0 {
                (r0, r1, None)
            } else {
                (r1, r0, None)
            }
        }
        Venue::UniswapV3 => {
            let slot0 = IUniswapV3Pool::slot0Call::abi_decode_returns(results[2].as_ref()?).ok()?;
            // A tick or price outside the protocol's range is no pool state: every read that
            // follows (bitmap words, ticks) would be sized from it.
            let tick = slot0.tick.as_i32();
            let sqrt_price = U256::from(slot0.sqrtPriceX96);
            if !(MIN_TICK..=MAX_TICK).contains(&tick)
                || sqrt_price < MIN_SQRT_RATIO
                || sqrt_price >= MAX_SQRT_RATIO
            {
                tracing::warn!(pool = %pool.address, tick, %sqrt_price, "V3 slot0 outside the protocol's range: pool ignored");
                return None;
            }
            let liquidity =
                IUniswapV3Pool::liquidityCall::abi_decode_returns(results[3].as_ref()?).ok()?;
            let state = V3State {
                sqrt_price_x96: sqrt_price,
                tick,
                liquidity,
                fee_ppm: pool.fee_ppm,
                tick_spacing: pool.tick_spacing,
                pop_is_token0,
                words: HashMap::new(),
                liquidity_net: HashMap::new(),
            };
            (u256(&results[0])?, u256(&results[1])?, Some(state))
        }
    };
    Some(PoolReading {
        venue: pool.venue,
        address: pool.address,
        spender: spender(pool.venue, pool.address, c),
        fee_ppm: pool.fee_ppm,
        pop_reserve_raw: pop,
        weth_reserve_wei: eth,
        v3,
    })
}

/// Bitmap words a V3 pool's sale may cross: every word from the current tick to the end of the
/// tick range in the selling direction, so a quote never runs past what was read and a pool
/// that runs dry is told apart from one whose ticks were not read.
pub fn bitmap_reads(pool: &PoolReading) -> Vec<(i16, Read)> {
    let Some(v3) = &pool.v3 else {
        return Vec::new();
    };
    let travel = if v3.pop_is_token0 {
        v3.tick - MIN_TICK
    } else {
        MAX_TICK - v3.tick
    };
    words_to_read(v3.tick, v3.tick_spacing, v3.pop_is_token0, travel)
        .into_iter()
        .map(|word| {
            (
                word,
                Read::new(
                    pool.address,
                    IUniswapV3Pool::tickBitmapCall { wordPosition: word },
                ),
            )
        })
        .collect()
}

/// The most initialized ticks read per V3 pool. A real pool's sale of POP crosses a handful;
/// a hostile pool can set every bit of thousands of bitmap words (1.7 million ticks). A sale
/// that would cross more than these is quoted as moving the price beyond the ticks read.
pub const MAX_V3_TICKS: usize = 2_000;

/// The initialized ticks of the words read that a sale can cross, nearest the current tick
/// first, at most [`MAX_V3_TICKS`]: below the current tick when POP is token0 (a sale moves
/// the price down), above it otherwise.
pub fn ticks_a_sale_crosses(v3: &V3State) -> Vec<i32> {
    let down = v3.pop_is_token0;
    let mut words: Vec<(i16, U256)> = v3.words.iter().map(|(&w, &b)| (w, b)).collect();
    words.sort_unstable_by_key(|&(word, _)| {
        if down {
            -i32::from(word)
        } else {
            i32::from(word)
        }
    });
    let mut ticks = Vec::new();
    for (word, bits) in words {
        let mut bits_in_order: Box<dyn Iterator<Item = usize>> = if down {
            Box::new((0..256).rev())
        } else {
            Box::new(0..256)
        };
        for bit in bits_in_order.by_ref() {
            if !bits.bit(bit) {
                continue;
            }
            let tick = ((i32::from(word) << 8) + bit as i32) * v3.tick_spacing;
            let crossable = if down {
                tick <= v3.tick
            } else {
                tick > v3.tick
            };
            if crossable {
                if ticks.len() == MAX_V3_TICKS {
                    return ticks;
                }
                ticks.push(tick);
            }
        }
    }
    ticks
}

pub fn tick_read(pool: Address, tick: i32) -> Read {
    Read::new(
        pool,
        IUniswapV3Pool::ticksCall {
            tick: I24::try_from(tick).unwrap_or_default(),
        },
    )
}

pub fn decode_liquidity_net(result: &ReadResult) -> Option<i128> {
    IUniswapV3Pool::ticksCall::abi_decode_returns(result.as_ref()?)
        .ok()
        .map(|t| t.liquidityNet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{U160, aliases::I24};
    use alloy::sol_types::SolValue;

    fn v3(tick: i32, pop_is_token0: bool, words: impl IntoIterator<Item = (i16, U256)>) -> V3State {
        V3State {
            sqrt_price_x96: U256::from(1u128 << 96),
            tick,
            liquidity: 1,
            fee_ppm: 3000,
            tick_spacing: 60,
            pop_is_token0,
            words: words.into_iter().collect(),
            liquidity_net: HashMap::new(),
        }
    }

    #[test]
    fn a_pool_with_every_bit_set_costs_at_most_max_v3_ticks_reads_nearest_first() {
        // Every bitmap word from the far bottom to the far top, every bit set: 1.7 million
        // initialized ticks at spacing 1.
        let all = (i16::MIN..=i16::MAX).map(|w| (w, U256::MAX));
        for pop_is_token0 in [true, false] {
            let mut state = v3(0, pop_is_token0, all.clone());
            state.tick_spacing = 1;
            let ticks = ticks_a_sale_crosses(&state);
            assert_eq!(ticks.len(), MAX_V3_TICKS);
            if pop_is_token0 {
                // A sale moves the price down: the current tick and the ones below it.
                assert_eq!(ticks[0], 0);
                assert_eq!(ticks[1], -1);
                assert!(ticks.windows(2).all(|w| w[0] > w[1]));
            } else {
                assert_eq!(ticks[0], 1);
                assert!(ticks.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn only_the_ticks_a_sale_crosses_are_read() {
        // Bits 0 and 255 of word 0 and word -1, spacing 60, current tick 60 × 10.
        let bits = U256::from(1u8) | (U256::from(1u8) << 255);
        let state = v3(600, true, [(0, bits), (-1, bits)]);
        assert_eq!(ticks_a_sale_crosses(&state), vec![0, -60, -256 * 60]);
        let state = v3(600, false, [(0, bits), (-1, bits)]);
        assert_eq!(ticks_a_sale_crosses(&state), vec![255 * 60]);
    }

    #[test]
    fn a_slot0_outside_the_protocol_range_is_no_pool_state() {
        let pool = FoundPool {
            venue: Venue::UniswapV3,
            address: Address::repeat_byte(3),
            fee_ppm: 3000,
            tick_spacing: 60,
        };
        let slot0 = |price: U256, tick: i32| -> ReadResult {
            let slot0 = crate::abi::IUniswapV3Pool::slot0Return {
                sqrtPriceX96: U160::from(price),
                tick: I24::try_from(tick).unwrap(),
                observationIndex: 0,
                observationCardinality: 0,
                observationCardinalityNext: 0,
                feeProtocol: 0,
                unlocked: true,
            };
            Some(IUniswapV3Pool::slot0Call::abi_encode_returns(&slot0).into())
        };
        let results = |slot0: ReadResult| -> Vec<ReadResult> {
            vec![
                Some(U256::from(1u8).abi_encode().into()),
                Some(U256::from(1u8).abi_encode().into()),
                slot0,
                Some(1u128.abi_encode().into()),
            ]
        };
        let token = Address::repeat_byte(1);
        let c = Contracts {
            weth: Address::repeat_byte(2),
            ..Contracts::MAINNET
        };
        let good = results(slot0(U256::from(1u128 << 96), 0));
        assert!(decode_state(&pool, &good, token, &c).is_some());
        for (price, tick) in [
            (U256::from(1u128 << 96), MAX_TICK + 1),
            (U256::from(1u128 << 96), -8_388_608),
            (MIN_SQRT_RATIO - U256::from(1u8), 0),
            (MAX_SQRT_RATIO, 0),
        ] {
            let hostile = results(slot0(price, tick));
            assert!(
                decode_state(&pool, &hostile, token, &c).is_none(),
                "{price} {tick}"
            );
        }
    }
}
