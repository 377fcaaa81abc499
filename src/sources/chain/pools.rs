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

/// A pool's reading from its state reads; V3 tick data is added by [`add_ticks`].
pub fn decode_state(
    pool: &FoundPool,
    results: &[ReadResult],
    token: Address,
    weth: Address,
) -> Option<PoolReading> {
    let pop_is_token0 = token < weth;
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
            let liquidity =
                IUniswapV3Pool::liquidityCall::abi_decode_returns(results[3].as_ref()?).ok()?;
            let state = V3State {
                sqrt_price_x96: U256::from(slot0.sqrtPriceX96),
                tick: slot0.tick.as_i32(),
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
        v3.tick - uniswap_v3_math::tick_math::MIN_TICK
    } else {
        uniswap_v3_math::tick_math::MAX_TICK - v3.tick
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

/// The initialized ticks of the words read.
pub fn initialized_ticks(words: &HashMap<i16, U256>, spacing: i32) -> Vec<i32> {
    let mut ticks = Vec::new();
    for (&word, &bits) in words {
        for bit in 0..256usize {
            if bits.bit(bit) {
                let compressed = (i32::from(word) << 8) + bit as i32;
                ticks.push(compressed * spacing);
            }
        }
    }
    ticks.sort_unstable();
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
