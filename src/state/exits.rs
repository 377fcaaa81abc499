//! Pools and what a sale would fetch: gross quotes per pool, the best exit net of gas, and the
//! portfolio's exit. Amounts are integers (wei, raw POP); percentages are display figures.

use std::fmt;

use alloy::primitives::{Address, I256, U256};

/// Where POP can be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Venue {
    UniswapV1,
    UniswapV2,
    Sushiswap,
    UniswapV3,
}

impl Venue {
    /// The stable name of PRODUCT.md (`uniswap_v1`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Venue::UniswapV1 => "uniswap_v1",
            Venue::UniswapV2 => "uniswap_v2",
            Venue::Sushiswap => "sushiswap",
            Venue::UniswapV3 => "uniswap_v3",
        }
    }

    /// A short name for people.
    pub fn label(self) -> &'static str {
        match self {
            Venue::UniswapV1 => "Uniswap V1",
            Venue::UniswapV2 => "Uniswap V2",
            Venue::Sushiswap => "SushiSwap",
            Venue::UniswapV3 => "Uniswap V3",
        }
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One POP/WETH (or POP/ETH) pool and its state at the refresh's block.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolState {
    pub venue: Venue,
    pub address: Address,
    /// Fee in millionths (3000 = 0.3%).
    pub fee_ppm: u32,
    pub pop_reserve_raw: U256,
    pub weth_reserve_wei: U256,
}

/// Selling a wallet's whole balance in one pool alone (gross, before gas).
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub venue: Venue,
    pub pool: Address,
    pub eth_out_wei: U256,
    pub price_impact_pct: f64,
}

/// One leg of an exit: an amount sold in one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    pub venue: Venue,
    pub pool: Address,
    pub pop_raw: U256,
    pub eth_out_wei: U256,
}

/// The best way out: the legs with the most ETH net of gas.
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    pub legs: Vec<Leg>,
    /// Gross ETH of every leg.
    pub eth_out_wei: U256,
    /// Gas of every leg (approve + swap) at the refresh's gas price.
    pub gas_cost_wei: U256,
    pub price_impact_pct: f64,
}

impl Exit {
    /// Gross minus gas; negative when selling costs more than it brings.
    pub fn net_eth_wei(&self) -> I256 {
        I256::from_raw(self.eth_out_wei) - I256::from_raw(self.gas_cost_wei)
    }

    /// The venue's name, or `split` when the legs use more than one pool.
    pub fn venue_name(&self) -> &'static str {
        match self.legs.as_slice() {
            [one] => one.venue.as_str(),
            _ => "split",
        }
    }
}

/// Exits of every wallet and of the portfolio, with the pools they were computed from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExitReading {
    pub block: u64,
    pub gas_price_wei: U256,
    pub pools: Vec<PoolState>,
    pub wallets: Vec<WalletExit>,
    pub portfolio_exit: Option<Exit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WalletExit {
    pub address: Address,
    pub quotes: Vec<Quote>,
    pub exit: Option<Exit>,
}
