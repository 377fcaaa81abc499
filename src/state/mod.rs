//! The app state, the `Update` enum (the one contract between data sources and front ends), and
//! `AppState::apply`, the one place where updates change state. Front ends (the TUI,
//! `snapshot`, `events`) only read the state.

pub mod chain;
mod update;

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use serde::Serialize;
use time::OffsetDateTime;

use crate::config::Config;
use chain::{ChainReading, EthUsd};
pub use update::Update;

/// Every data source popwatch knows, by its stable name (PRODUCT.md: `sources[].name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceName {
    Chain,
    Chainlink,
    Coingecko,
    Coinpaprika,
    Dexscreener,
}

impl SourceName {
    pub const ALL: [SourceName; 5] = [
        SourceName::Chain,
        SourceName::Chainlink,
        SourceName::Coingecko,
        SourceName::Coinpaprika,
        SourceName::Dexscreener,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceName::Chain => "chain",
            SourceName::Chainlink => "chainlink",
            SourceName::Coingecko => "coingecko",
            SourceName::Coinpaprika => "coinpaprika",
            SourceName::Dexscreener => "dexscreener",
        }
    }
}

/// What the user can see of a source: is it loading, fresh, failed, or not available at all?
#[derive(Debug, Clone, PartialEq)]
pub enum SourceStatus {
    /// No answer yet.
    Loading,
    /// The last refresh succeeded.
    Ok,
    /// The last refresh failed; earlier figures (if any) are kept and shown stale.
    Failed { error: String },
    /// This build of popwatch cannot read the source (yet); its figures are unknown.
    Unavailable { reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub status: SourceStatus,
    /// When the source last answered successfully: the age of its figures.
    pub last_ok_at: Option<OffsetDateTime>,
}

impl SourceState {
    fn loading() -> Self {
        Self {
            status: SourceStatus::Loading,
            last_ok_at: None,
        }
    }
}

/// The watched token: what the config expects and, once read, what the chain says.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenState {
    pub address: Address,
    pub expected_name: String,
    pub expected_symbol: String,
    pub expected_decimals: u8,
    pub expected_total_supply_raw: Option<U256>,
    /// On-chain facts; `None` until the chain source reads them.
    pub name: Option<String>,
    pub symbol: Option<String>,
    pub decimals: Option<u8>,
    pub total_supply_raw: Option<U256>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WalletState {
    pub label: String,
    pub address: Address,
    pub pop_raw: Option<U256>,
    pub eth_wei: Option<U256>,
}

/// The block the chain figures were read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockInfo {
    pub number: u64,
    pub time: OffsetDateTime,
}

/// An RPC endpoint refused because it serves another chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedEndpoint {
    pub endpoint: String,
    pub expected: u64,
    pub got: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub chain_id: u64,
    pub token: TokenState,
    pub wallets: Vec<WalletState>,
    pub sources: BTreeMap<SourceName, SourceState>,
    pub block: Option<BlockInfo>,
    /// The RPC endpoint that answered last (redacted).
    pub endpoint: Option<String>,
    pub eth_usd: Option<EthUsd>,
    pub refused_endpoints: Vec<RefusedEndpoint>,
    /// HTTP requests and JSON-RPC calls of the last chain refresh.
    pub last_chain_cost: Option<(u64, u64)>,
}

impl AppState {
    /// The state before any source answered: the config's facts, every figure unknown, every
    /// source loading.
    pub fn new(config: &Config) -> Self {
        let t = &config.token;
        Self {
            chain_id: config.chain.chain_id,
            token: TokenState {
                address: t.address,
                expected_name: t.expected_name.clone(),
                expected_symbol: t.expected_symbol.clone(),
                expected_decimals: t.expected_decimals,
                expected_total_supply_raw: t.expected_total_supply.to_raw(t.expected_decimals),
                name: None,
                symbol: None,
                decimals: None,
                total_supply_raw: None,
            },
            wallets: config
                .wallets
                .iter()
                .map(|w| WalletState {
                    label: w.label.clone(),
                    address: w.address,
                    pop_raw: None,
                    eth_wei: None,
                })
                .collect(),
            sources: SourceName::ALL
                .into_iter()
                .map(|s| (s, SourceState::loading()))
                .collect(),
            block: None,
            endpoint: None,
            eth_usd: None,
            refused_endpoints: Vec::new(),
            last_chain_cost: None,
        }
    }

    /// Folds one update into the state. The only function that changes `AppState`.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::SourceOk { source, at } => {
                let state = self.source_mut(source);
                state.status = SourceStatus::Ok;
                state.last_ok_at = Some(at);
            }
            Update::SourceFailed { source, error } => {
                self.source_mut(source).status = SourceStatus::Failed { error };
            }
            Update::SourceUnavailable { source, reason } => {
                self.source_mut(source).status = SourceStatus::Unavailable { reason };
            }
            Update::ChainRead(reading) => self.apply_chain(*reading),
            Update::EndpointRefused {
                endpoint,
                expected,
                got,
            } => {
                let refused = RefusedEndpoint {
                    endpoint,
                    expected,
                    got,
                };
                if !self.refused_endpoints.contains(&refused) {
                    self.refused_endpoints.push(refused);
                }
            }
        }
    }

    fn apply_chain(&mut self, r: ChainReading) {
        // A reading older than what is shown never replaces it (the reader already refuses
        // lagging endpoints; this keeps the state monotonic whatever the order of updates).
        if self.block.is_some_and(|b| b.number > r.block) {
            return;
        }
        self.block = Some(BlockInfo {
            number: r.block,
            time: r.block_time,
        });
        self.endpoint = Some(r.endpoint);
        self.last_chain_cost = Some((r.http_requests, r.rpc_calls));
        let t = &mut self.token;
        t.name = r.token.name;
        t.symbol = r.token.symbol;
        t.decimals = r.token.decimals;
        t.total_supply_raw = r.token.total_supply_raw;
        for balance in r.balances {
            if let Some(w) = self
                .wallets
                .iter_mut()
                .find(|w| w.address == balance.address)
            {
                // A single read that failed leaves the last known figure in place.
                w.pop_raw = balance.pop_raw.or(w.pop_raw);
                w.eth_wei = balance.eth_wei.or(w.eth_wei);
            }
        }
        let chain = self.source_mut(SourceName::Chain);
        chain.status = SourceStatus::Ok;
        chain.last_ok_at = Some(r.observed_at);
        match r.eth_usd {
            Ok(feed) => {
                let chainlink = self.source_mut(SourceName::Chainlink);
                if feed.stale {
                    chainlink.status = SourceStatus::Failed {
                        error: format!(
                            "stale: last updated {}",
                            crate::format::rfc3339(feed.updated_at)
                        ),
                    };
                } else {
                    chainlink.status = SourceStatus::Ok;
                    chainlink.last_ok_at = Some(r.observed_at);
                }
                self.eth_usd = Some(feed);
            }
            Err(error) => {
                self.source_mut(SourceName::Chainlink).status = SourceStatus::Failed { error };
            }
        }
    }

    fn source_mut(&mut self, source: SourceName) -> &mut SourceState {
        self.sources
            .entry(source)
            .or_insert_with(SourceState::loading)
    }

    /// True when the chain source has answered at least once.
    pub fn chain_read(&self) -> bool {
        self.sources
            .get(&SourceName::Chain)
            .is_some_and(|s| s.last_ok_at.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn new_state_knows_config_facts_and_nothing_else() {
        let mut config = Config::default();
        config.wallets.push(crate::config::WalletConfig {
            label: "cold".into(),
            address: Address::repeat_byte(7),
        });
        let state = AppState::new(&config);
        assert_eq!(state.wallets.len(), 1);
        assert_eq!(state.wallets[0].pop_raw, None);
        assert_eq!(
            state.token.expected_total_supply_raw,
            Some(U256::from(1_600_000_000u64) * U256::from(10u64).pow(U256::from(18)))
        );
        assert!(
            state
                .sources
                .values()
                .all(|s| s.status == SourceStatus::Loading)
        );
        assert!(!state.chain_read());
    }

    #[test]
    fn a_failure_keeps_the_time_of_the_last_success() {
        let mut state = AppState::new(&Config::default());
        let at = datetime!(2026-11-25 10:00 UTC);
        state.apply(Update::SourceOk {
            source: SourceName::Chain,
            at,
        });
        state.apply(Update::SourceFailed {
            source: SourceName::Chain,
            error: "timeout".into(),
        });
        let chain = &state.sources[&SourceName::Chain];
        assert_eq!(
            chain.status,
            SourceStatus::Failed {
                error: "timeout".into()
            }
        );
        assert_eq!(chain.last_ok_at, Some(at));
        assert!(state.chain_read());
    }
}
