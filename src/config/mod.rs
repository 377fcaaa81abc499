//! The TOML config: schema with defaults, loading with path resolution, validation with
//! errors that name file, line and key.

mod load;
mod locate;
mod schema;
mod types;
mod validate;
mod watch;

pub use load::{
    API_KEY_ENV, CONFIG_ENV, ConfigError, ETH_RPC_URL_ENV, LoadedConfig, LocatedProblem,
    PathOrigin, RPC_URLS_ENV, load, load_file, parse_str, resolve_path, rpc_urls_from_env,
};
pub use schema::{
    ChainConfig, Config, ContractOverrides, Contracts, DEFAULT_MARKET_MAX_RESPONSE_MIB,
    DEFAULT_RPC_MAX_RESPONSE_MIB, HoldersConfig, LabelConfig, MarketConfig, POP_ADDRESS,
    Thresholds, TokenConfig, WalletConfig,
};
pub use types::{RpcUrl, Secret, WholeTokens, parse_address};
pub use validate::MAX_LABEL_CHARS;
pub use watch::{ConfigChange, ConfigWatch};

/// The commented default config, written by `popwatch config init`.
pub const EXAMPLE: &str = include_str!("../../config.example.toml");
