//! The popwatch config that watches a devnet: its RPC URL and chain id, every deployed
//! contract, the token's expected facts, and its wallets.

use std::fmt::Write as _;
use std::path::Path;

use popwatch::config::{Config, ConfigError};

use super::Devnet;

impl Devnet {
    /// The config as TOML text, as `scripts/devnet` writes it.
    pub fn config_toml(&self) -> String {
        let c = &self.contracts;
        let s = &self.scenario;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# popwatch config for a devnet (scripts/devnet); valid while it runs."
        );
        let _ = writeln!(out, "refresh_secs = 5\n");
        let _ = writeln!(out, "[token]");
        let _ = writeln!(out, "address = \"{}\"", c.pop.to_checksum(None));
        let _ = writeln!(out, "expected_name = {}", toml_string(&s.token_name));
        let _ = writeln!(out, "expected_symbol = {}", toml_string(&s.token_symbol));
        let _ = writeln!(out, "expected_decimals = {}", s.token_decimals);
        let _ = writeln!(out, "expected_total_supply = \"{}\"\n", s.token_supply);
        let _ = writeln!(out, "[chain]");
        let _ = writeln!(out, "chain_id = {}", self.chain_id);
        let _ = writeln!(out, "rpc_urls = [\"{}\"]", self.url);
        let _ = writeln!(out, "scan_days = {}\n", s.history_days + 30);
        let _ = writeln!(out, "[chain.contracts]");
        for (key, address) in [
            ("multicall3", c.multicall3),
            ("weth", c.weth),
            ("uniswap_v2_factory", c.uniswap_v2_factory),
            ("sushiswap_v2_factory", c.sushiswap_v2_factory),
            ("uniswap_v3_factory", c.uniswap_v3_factory),
            ("uniswap_v3_quoter", c.uniswap_v3_quoter),
            ("uniswap_v1_factory", c.uniswap_v1_factory),
            ("eth_usd_feed", c.eth_usd_feed),
            ("uniswap_v2_router", c.uniswap_v2_router),
            ("sushiswap_v2_router", c.sushiswap_v2_router),
            ("uniswap_v3_router", c.uniswap_v3_router),
        ] {
            let _ = writeln!(out, "{key} = \"{}\"", address.to_checksum(None));
        }
        if let Some(registry) = c.ens_registry {
            let _ = writeln!(out, "ens_registry = \"{}\"", registry.to_checksum(None));
        }
        let _ = writeln!(out, "\n[market]");
        let _ = writeln!(out, "coingecko_url = \"{}\"", self.market.coingecko_url());
        let _ = writeln!(
            out,
            "coinpaprika_url = \"{}\"",
            self.market.coinpaprika_url()
        );
        let _ = writeln!(
            out,
            "dexscreener_url = \"{}\"",
            self.market.dexscreener_url()
        );
        for w in &self.wallets {
            let _ = writeln!(out, "\n[[wallets]]");
            let _ = writeln!(out, "label = {}", toml_string(&w.label));
            let _ = writeln!(out, "address = \"{}\"", w.address.to_checksum(None));
        }
        out
    }

    /// The same config, parsed by popwatch's own loader.
    pub fn config(&self) -> Result<Config, ConfigError> {
        popwatch::config::parse_str(&self.config_toml(), Path::new("<devnet>"))
    }
}

/// A TOML basic string (quotes and backslashes escaped; control characters as \u escapes).
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
