//! Figures the chain source reads, as plain data (no I/O types), carried by `Update`s.

use std::collections::HashMap;

use alloy::primitives::{Address, I256, U256};
use time::OffsetDateTime;

/// One refresh of the chain, every read pinned to `block`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainReading {
    /// When the reading was made (wall clock): the age of these figures.
    pub observed_at: OffsetDateTime,
    pub block: u64,
    /// The block shown before, which this reading replaces although it is older: no endpoint
    /// confirmed it for refreshes in a row (see `sources::chain::head`).
    pub gives_up_block: Option<u64>,
    /// The block's timestamp.
    pub block_time: OffsetDateTime,
    /// The endpoint that answered, secrets redacted.
    pub endpoint: String,
    pub token: TokenFacts,
    pub balances: Vec<WalletBalance>,
    pub eth_usd: Result<EthUsd, String>,
    /// Every POP pool found, with its state at `block`.
    pub pools: Vec<PoolReading>,
    /// Pools found whose state reads failed (or made no sense): unknown this refresh, which
    /// is not the same as gone.
    pub unread_pools: Vec<Address>,
    /// `eth_gasPrice` at the refresh.
    pub gas_price_wei: Option<U256>,
    /// HTTP requests and JSON-RPC calls this refresh took.
    pub http_requests: u64,
    pub rpc_calls: u64,
}

/// One pool's state. V1: the exchange's ETH balance is `weth_reserve_wei`; V2: `getReserves`;
/// V3: the pool's token balances, plus what an exact swap simulation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolReading {
    pub venue: crate::state::exits::Venue,
    pub address: Address,
    /// The address a seller approves to sell here: V1's exchange, else the venue's router.
    pub spender: Address,
    pub fee_ppm: u32,
    pub pop_reserve_raw: U256,
    pub weth_reserve_wei: U256,
    pub v3: Option<V3State>,
}

/// What the token contract answers; `None` where a call reverted or returned nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TokenFacts {
    /// False when no contract code answers at the token address.
    pub has_code: bool,
    pub name: Option<String>,
    pub symbol: Option<String>,
    pub decimals: Option<u8>,
    pub total_supply_raw: Option<U256>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WalletBalance {
    pub address: Address,
    pub pop_raw: Option<U256>,
    pub eth_wei: Option<U256>,
    /// The wallet's POP allowance to each found pool's spender (`None`: the read failed).
    pub allowances: Vec<(Address, Option<U256>)>,
}

/// The Chainlink ETH/USD answer.
#[derive(Debug, Clone, PartialEq)]
pub struct EthUsd {
    pub answer: I256,
    pub decimals: u8,
    pub updated_at: OffsetDateTime,
    /// Older than 3 heartbeats at the block's time.
    pub stale: bool,
}

impl EthUsd {
    /// The price in dollars. USD figures are display values; token amounts stay integers.
    pub fn price(&self) -> f64 {
        let answer: f64 = self.answer.to_string().parse().unwrap_or(f64::NAN);
        answer / 10f64.powi(i32::from(self.decimals))
    }
}

/// A V3 pool's state at one block, as far as a sell of POP needs it (its quote maths:
/// `exit::quote`).
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
