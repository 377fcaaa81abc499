//! The TOML config: schema with defaults, loading with path resolution, validation with
//! errors that name file, line and key.

mod load;
mod locate;
mod schema;
mod types;
mod validate;

pub use load::{
    API_KEY_ENV, CONFIG_ENV, ConfigError, LoadedConfig, LocatedProblem, PathOrigin, load,
    load_file, parse_str, resolve_path,
};
pub use schema::{
    ChainConfig, Config, ContractOverrides, Contracts, MarketConfig, POP_ADDRESS, Thresholds,
    TokenConfig, WalletConfig,
};
pub use types::{RpcUrl, Secret, WholeTokens, parse_address};
pub use validate::MAX_LABEL_CHARS;

/// The commented default config, written by `popwatch config init`.
pub const EXAMPLE: &str = include_str!("../../config.example.toml");
