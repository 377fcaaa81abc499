//! Chain readings for tests and benches that need a state without a chain: a builder that
//! starts from what a healthy POP refresh reads (the token's facts as `[token]` expects them,
//! ETH at $3,000 from a fresh feed, 1 gwei gas, no wallets, no pools) and lets a test say only
//! what it changes.
//!
//! ```
//! use popwatch_devnet::reading::{ReadingBuilder, e18};
//! use alloy::primitives::Address;
//! let now = time::OffsetDateTime::UNIX_EPOCH;
//! let reading = ReadingBuilder::new(now)
//!     .wallet(Address::repeat_byte(0x11), e18(1_000), e18(1))
//!     .v2_pool(Address::repeat_byte(0x99), e18(300_000_000), e18(1))
//!     .build();
//! assert_eq!(reading.balances.len(), 1);
//! ```

use alloy::primitives::{Address, I256, U256};
use popwatch::state::chain::{ChainReading, EthUsd, PoolReading, TokenFacts, WalletBalance};
use popwatch::state::exits::Venue;
use time::OffsetDateTime;

/// `n` whole tokens of 18 decimals, in raw units.
pub fn e18(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// What POP's contract answers: the facts `[token]` expects by default.
pub fn pop_token_facts() -> TokenFacts {
    TokenFacts {
        has_code: true,
        name: Some("POP Network Token".to_owned()),
        symbol: Some("POP".to_owned()),
        decimals: Some(18),
        total_supply_raw: Some(e18(1_600_000_000)),
    }
}

/// A Chainlink ETH/USD answer of `usd` dollars (8 decimals), updated at `updated_at`.
pub fn eth_usd(usd: i64, updated_at: OffsetDateTime) -> EthUsd {
    EthUsd {
        answer: I256::try_from(usd.saturating_mul(100_000_000)).unwrap_or(I256::MAX),
        decimals: 8,
        updated_at,
        stale: false,
    }
}

/// Builds a [`ChainReading`]; see the module's documentation for the defaults.
#[derive(Debug, Clone)]
pub struct ReadingBuilder {
    reading: ChainReading,
}

impl ReadingBuilder {
    /// A reading observed at `now` of a block made at `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            reading: ChainReading {
                observed_at: now,
                block: 21_000_000,
                gives_up_block: None,
                block_time: now,
                endpoint: "http://127.0.0.1:8545".to_owned(),
                token: pop_token_facts(),
                balances: Vec::new(),
                eth_usd: Ok(eth_usd(3_000, now)),
                pools: Vec::new(),
                unread_pools: Vec::new(),
                gas_price_wei: Some(U256::from(1_000_000_000u64)),
                http_requests: 1,
                rpc_calls: 1,
            },
        }
    }

    pub fn observed_at(mut self, at: OffsetDateTime) -> Self {
        self.reading.observed_at = at;
        self
    }

    /// The block's number and timestamp.
    pub fn block(mut self, number: u64, time: OffsetDateTime) -> Self {
        self.reading.block = number;
        self.reading.block_time = time;
        self
    }

    pub fn endpoint(mut self, endpoint: &str) -> Self {
        self.reading.endpoint = endpoint.to_owned();
        self
    }

    pub fn token(mut self, token: TokenFacts) -> Self {
        self.reading.token = token;
        self
    }

    /// A watched wallet's balances as read (both known).
    pub fn wallet(self, address: Address, pop_raw: U256, eth_wei: U256) -> Self {
        self.balance(WalletBalance {
            address,
            pop_raw: Some(pop_raw),
            eth_wei: Some(eth_wei),
            allowances: Vec::new(),
        })
    }

    /// A watched wallet's balances, either of which may be unknown.
    pub fn balance(mut self, balance: WalletBalance) -> Self {
        self.reading.balances.push(balance);
        self
    }

    /// The ETH/USD feed's answer, or why it could not be read.
    pub fn eth_usd(mut self, feed: Result<EthUsd, String>) -> Self {
        self.reading.eth_usd = feed;
        self
    }

    /// A Uniswap V2 pool of POP against WETH with these reserves and the 0.3% fee.
    pub fn v2_pool(self, address: Address, pop_reserve_raw: U256, weth_reserve_wei: U256) -> Self {
        self.pool(PoolReading {
            venue: Venue::UniswapV2,
            address,
            spender: popwatch::config::Contracts::MAINNET.uniswap_v2_router,
            fee_ppm: 3000,
            pop_reserve_raw,
            weth_reserve_wei,
            v3: None,
        })
    }

    pub fn pool(mut self, pool: PoolReading) -> Self {
        self.reading.pools.push(pool);
        self
    }

    pub fn pools(mut self, pools: Vec<PoolReading>) -> Self {
        self.reading.pools = pools;
        self
    }

    /// `eth_gasPrice`, or `None` where it could not be read.
    pub fn gas_price(mut self, wei: Option<U256>) -> Self {
        self.reading.gas_price_wei = wei;
        self
    }

    /// What the refresh cost: HTTP requests and JSON-RPC calls.
    pub fn requests(mut self, http: u64, rpc: u64) -> Self {
        self.reading.http_requests = http;
        self.reading.rpc_calls = rpc;
        self
    }

    pub fn build(self) -> ChainReading {
        self.reading
    }
}
