//! The config schema of PRODUCT.md: every key has a default, unknown keys are refused
//! (`deny_unknown_fields` on every table, arrays of tables included).

use alloy::primitives::{Address, address};
use serde::Deserialize;

use super::types::{
    RpcUrl, Secret, WholeTokens, deserialize_address, deserialize_opt_address, deserialize_rpc_urls,
};

/// The token popwatch watches by default: POP Network Token on Ethereum mainnet.
pub const POP_ADDRESS: Address = address!("5d858bcd53e085920620549214a8b27ce2f04670");

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Seconds between chain refreshes (balances, pools, quotes).
    pub refresh_secs: u64,
    /// Seconds between market refreshes (aggregators).
    pub market_refresh_secs: u64,
    pub history_days: u64,
    pub alert_bell: bool,
    /// Run with each event's JSON on stdin; empty: none.
    pub alert_command: String,
    pub alert_price_move_pct: f64,
    pub token: TokenConfig,
    pub chain: ChainConfig,
    pub market: MarketConfig,
    pub thresholds: Thresholds,
    pub holders: HoldersConfig,
    pub wallets: Vec<WalletConfig>,
    /// Names the user gives addresses that are not watched (team, exchange wallets): shown as
    /// the holders' roles.
    pub labels: Vec<LabelConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            refresh_secs: 30,
            market_refresh_secs: 600,
            history_days: 90,
            alert_bell: false,
            alert_command: String::new(),
            alert_price_move_pct: 10.0,
            token: TokenConfig::default(),
            chain: ChainConfig::default(),
            market: MarketConfig::default(),
            thresholds: Thresholds::default(),
            holders: HoldersConfig::default(),
            wallets: Vec::new(),
            labels: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    #[serde(deserialize_with = "deserialize_address")]
    pub address: Address,
    pub expected_name: String,
    pub expected_symbol: String,
    pub expected_decimals: u8,
    /// Whole tokens, not raw units.
    pub expected_total_supply: WholeTokens,
    pub coingecko_id: Option<String>,
    pub coinpaprika_id: Option<String>,
    /// Where the log index starts when the endpoints serve no past state to find the
    /// contract's deployment block by.
    pub start_block: Option<u64>,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            address: POP_ADDRESS,
            expected_name: "POP Network Token".to_owned(),
            expected_symbol: "POP".to_owned(),
            expected_decimals: 18,
            expected_total_supply: WholeTokens(alloy::primitives::U256::from(1_600_000_000u64)),
            coingecko_id: None,
            coinpaprika_id: None,
            start_block: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChainConfig {
    pub chain_id: u64,
    #[serde(deserialize_with = "deserialize_rpc_urls")]
    pub rpc_urls: Vec<RpcUrl>,
    pub timeout_secs: u64,
    /// Calls per Multicall3 `aggregate3`.
    pub multicall_chunk: u64,
    /// First `eth_getLogs` range in blocks; halves on errors.
    pub logs_chunk_blocks: u64,
    /// How far back the first Transfer/Approval scan goes.
    pub scan_days: u64,
    /// The ETH/USD feed is stale after 3 heartbeats.
    pub eth_usd_heartbeat_secs: u64,
    /// The largest JSON-RPC answer read, in MiB; a larger one fails that endpoint's request.
    pub max_response_mib: u64,
    /// The log index's largest `eth_getLogs` range: ranges grow toward it while answers are
    /// sparse.
    pub logs_max_range_blocks: u64,
    /// Log reads (`eth_getLogs`) in flight at once, per endpoint.
    pub logs_in_flight: u64,
    /// Log reads per second, per endpoint, at most.
    pub logs_requests_per_second: u64,
    /// Below this block a node may have expired its history (EIP-4444; mainnet's Merge by
    /// default): a range there answered short is asked of another endpoint when the replay
    /// does not add up.
    pub history_expiry_block: u64,
    pub contracts: ContractOverrides,
}

/// Mainnet's first proof-of-stake block: many nodes serve no logs from before it since 2025.
pub const MERGE_BLOCK: u64 = 15_537_393;

/// The default cap on one JSON-RPC answer. The largest honest answers are an `eth_getLogs`
/// page at a public node's 10,000-log limit (about 8 MiB of JSON) and, at 10,000 wallets, a
/// batch of aggregate3 answers (500 reads each, about 320 bytes of hex per read: under 7 MiB
/// for all 20,000 balance reads); 32 MiB leaves room for both and still bounds a hostile one.
pub const DEFAULT_RPC_MAX_RESPONSE_MIB: u64 = 32;
/// The default cap on one market API answer: the largest honest one, a CoinGecko
/// `market_chart` over a year, is well under 1 MiB.
pub const DEFAULT_MARKET_MAX_RESPONSE_MIB: u64 = 8;

impl ChainConfig {
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_mib.saturating_mul(1024 * 1024)
    }
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_id: 1,
            rpc_urls: [
                "https://ethereum-rpc.publicnode.com",
                "https://eth.llamarpc.com",
            ]
            .into_iter()
            .map(|u| RpcUrl::parse(u).expect("built-in RPC URL is valid"))
            .collect(),
            timeout_secs: 10,
            multicall_chunk: 500,
            logs_chunk_blocks: 2000,
            scan_days: 45,
            eth_usd_heartbeat_secs: 3600,
            max_response_mib: DEFAULT_RPC_MAX_RESPONSE_MIB,
            logs_max_range_blocks: 100_000,
            logs_in_flight: 4,
            logs_requests_per_second: 10,
            history_expiry_block: MERGE_BLOCK,
            contracts: ContractOverrides::default(),
        }
    }
}

/// `[chain.contracts]`: optional overrides; [`ContractOverrides::resolve`] fills the mainnet
/// defaults in.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContractOverrides {
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub multicall3: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub weth: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub uniswap_v2_factory: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub sushiswap_v2_factory: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub uniswap_v3_factory: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub uniswap_v3_quoter: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub uniswap_v1_factory: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub eth_usd_feed: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub uniswap_v2_router: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub sushiswap_v2_router: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub uniswap_v3_router: Option<Address>,
    #[serde(deserialize_with = "deserialize_opt_address")]
    pub ens_registry: Option<Address>,
}

/// The contract addresses in use: overrides where given, Ethereum mainnet otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contracts {
    pub multicall3: Address,
    pub weth: Address,
    pub uniswap_v2_factory: Address,
    pub sushiswap_v2_factory: Address,
    pub uniswap_v3_factory: Address,
    pub uniswap_v3_quoter: Address,
    pub uniswap_v1_factory: Address,
    pub eth_usd_feed: Address,
    /// Routers: the contracts a sale goes through (gas and the sell check use them).
    pub uniswap_v2_router: Address,
    pub sushiswap_v2_router: Address,
    pub uniswap_v3_router: Address,
    /// The ENS registry names are resolved through.
    pub ens_registry: Address,
}

impl Contracts {
    /// Ethereum mainnet, as listed in PRODUCT.md (each checked there against a second source).
    pub const MAINNET: Contracts = Contracts {
        multicall3: address!("cA11bde05977b3631167028862bE2a173976CA11"),
        weth: address!("C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
        uniswap_v2_factory: address!("5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"),
        sushiswap_v2_factory: address!("C0AEe478e3658e2610c5F7A4A2E1777cE9e4f2Ac"),
        uniswap_v3_factory: address!("1F98431c8aD98523631AE4a59f267346ea31F984"),
        uniswap_v3_quoter: address!("61fFE014bA17989E743c5F6cB21bF9697530B21e"),
        uniswap_v1_factory: address!("c0a47dFe034B400B47bDaD5FecDa2621de6c4d95"),
        eth_usd_feed: address!("5f4eC3Df9cbd43714FE2740f5E3616155c5b8419"),
        // UniswapV2Router02, SushiSwap's router (a Router02 fork), Uniswap V3 SwapRouter.
        uniswap_v2_router: address!("7a250d5630B4cF539739dF2C5dAcb4c659F2488D"),
        sushiswap_v2_router: address!("d9e1cE17f2641f24aE83637ab66a2cca9C378B9F"),
        uniswap_v3_router: address!("E592427A0AEce92De3Edc1108DCCD2ECfa9B0e1E"),
        // The ENS registry (with fallback), the same address on every network ENS runs on.
        ens_registry: address!("00000000000C2E074eC69A0dFb2997BA6C7d2e1e"),
    };
}

impl ContractOverrides {
    pub fn resolve(&self) -> Contracts {
        let d = Contracts::MAINNET;
        Contracts {
            multicall3: self.multicall3.unwrap_or(d.multicall3),
            weth: self.weth.unwrap_or(d.weth),
            uniswap_v2_factory: self.uniswap_v2_factory.unwrap_or(d.uniswap_v2_factory),
            sushiswap_v2_factory: self.sushiswap_v2_factory.unwrap_or(d.sushiswap_v2_factory),
            uniswap_v3_factory: self.uniswap_v3_factory.unwrap_or(d.uniswap_v3_factory),
            uniswap_v3_quoter: self.uniswap_v3_quoter.unwrap_or(d.uniswap_v3_quoter),
            uniswap_v1_factory: self.uniswap_v1_factory.unwrap_or(d.uniswap_v1_factory),
            eth_usd_feed: self.eth_usd_feed.unwrap_or(d.eth_usd_feed),
            uniswap_v2_router: self.uniswap_v2_router.unwrap_or(d.uniswap_v2_router),
            sushiswap_v2_router: self.sushiswap_v2_router.unwrap_or(d.sushiswap_v2_router),
            uniswap_v3_router: self.uniswap_v3_router.unwrap_or(d.uniswap_v3_router),
            ens_registry: self.ens_registry.unwrap_or(d.ens_registry),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketConfig {
    pub coingecko_url: String,
    pub coinpaprika_url: String,
    pub dexscreener_url: String,
    /// Overridden by the environment variable `POPWATCH_COINGECKO_API_KEY`.
    pub coingecko_api_key: Secret,
    /// CoinGecko ids of the peers shown beside POP.
    pub peers: Vec<String>,
    /// The same peers at CoinPaprika.
    pub peers_coinpaprika: Vec<String>,
    /// The largest answer read from a market API, in MiB.
    pub max_response_mib: u64,
}

impl MarketConfig {
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_mib.saturating_mul(1024 * 1024)
    }
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            coingecko_url: "https://api.coingecko.com/api/v3".to_owned(),
            coinpaprika_url: "https://api.coinpaprika.com/v1".to_owned(),
            dexscreener_url: "https://api.dexscreener.com".to_owned(),
            coingecko_api_key: Secret::default(),
            peers: vec!["theta-token".to_owned(), "audius".to_owned()],
            peers_coinpaprika: vec!["theta-theta-token".to_owned(), "audio-audius".to_owned()],
            max_response_mib: DEFAULT_MARKET_MAX_RESPONSE_MIB,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    pub min_liquidity_usd: f64,
    pub max_price_impact_pct: f64,
    pub min_volume_24h_usd: f64,
    pub max_drawdown_pct: f64,
    pub min_market_cap_usd: f64,
    pub dormant_days: u64,
    pub max_price_divergence_pct: f64,
    /// CoinGecko exchange ids that count as a major listing.
    pub major_exchanges: Vec<String>,
    /// `concentrated_supply` above this share of the supply held by the ten largest holders
    /// (pools, burns and the token contract aside).
    pub max_top10_share_pct: f64,
    /// `few_holders` below this many holders above the dust floor.
    pub min_holders: u64,
    /// A top holder's balance moving by more than this share of the supply is a
    /// `holder_moved` event.
    pub holder_moved_pct: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_liquidity_usd: 50_000.0,
            max_price_impact_pct: 10.0,
            min_volume_24h_usd: 1_000.0,
            max_drawdown_pct: 90.0,
            min_market_cap_usd: 1_000_000.0,
            dormant_days: 30,
            max_price_divergence_pct: 20.0,
            major_exchanges: ["binance", "gdax", "kraken", "okex", "bybit_spot"]
                .map(str::to_owned)
                .to_vec(),
            max_top10_share_pct: 50.0,
            min_holders: 100,
            holder_moved_pct: 0.5,
        }
    }
}

/// The Holders view's settings.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoldersConfig {
    /// How many of the largest holders are listed (their balances read from the chain).
    pub top: u64,
    /// Balances below this many whole tokens are dust: not counted as holders.
    pub dust_tokens: WholeTokens,
}

impl Default for HoldersConfig {
    fn default() -> Self {
        Self {
            top: 50,
            dust_tokens: WholeTokens(alloy::primitives::U256::from(1)),
        }
    }
}

/// A name for an address that is not watched.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelConfig {
    pub label: String,
    #[serde(deserialize_with = "deserialize_address")]
    pub address: Address,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletConfig {
    pub label: String,
    #[serde(deserialize_with = "deserialize_address")]
    pub address: Address,
    /// The ENS name the address was resolved from when it was added (kept for people; the
    /// address is what is watched).
    #[serde(default)]
    pub ens: Option<String>,
}
