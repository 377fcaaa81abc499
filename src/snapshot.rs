//! `popwatch snapshot`: one refresh of every source through the shared pipeline, then the state
//! printed as a table or as the JSON shape of PRODUCT.md. Unknown figures are `null`.

use std::fmt::Write as _;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Config;
use crate::format::{rfc3339, sanitize, token_amount};
use crate::source::{refresh_all_once, sources_for, unavailable_updates};
use crate::state::{AppState, SourceStatus};

/// Runs every source once and returns the resulting state.
pub async fn collect(config: &Config) -> AppState {
    let mut state = AppState::new(config);
    let mut sources = sources_for(config);
    for update in unavailable_updates(&sources) {
        state.apply(update);
    }
    for update in refresh_all_once(&mut sources).await {
        state.apply(update);
    }
    state
}

#[derive(Debug, Serialize)]
pub struct SnapshotJson {
    pub chain_id: u64,
    pub block: Option<u64>,
    pub block_time: Option<String>,
    pub token: TokenJson,
    pub eth_usd: Option<EthUsdJson>,
    pub gas: Option<serde_json::Value>,
    pub wallets: Vec<WalletJson>,
    pub portfolio_exit: Option<serde_json::Value>,
    pub pools: Vec<serde_json::Value>,
    pub market: MarketJson,
    pub warnings: Vec<serde_json::Value>,
    pub sources: Vec<SourceJson>,
}

#[derive(Debug, Serialize)]
pub struct EthUsdJson {
    pub price: f64,
    pub source: &'static str,
    pub updated_at: String,
    /// Older than 3 heartbeats of the feed.
    pub stale: bool,
}

#[derive(Debug, Serialize)]
pub struct TokenJson {
    pub address: String,
    pub name: Option<String>,
    pub symbol: Option<String>,
    pub decimals: Option<u8>,
    pub total_supply_raw: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct WalletJson {
    pub label: String,
    pub address: String,
    pub pop_raw: Option<String>,
    pub eth_wei: Option<String>,
    pub value_usd: Option<f64>,
    pub value_source: Option<String>,
    pub last_transfer_at: Option<String>,
    pub quotes: Vec<serde_json::Value>,
    pub exit: Option<serde_json::Value>,
    pub sell_check: Option<serde_json::Value>,
}

#[derive(Debug, Default, Serialize)]
pub struct MarketJson {
    pub sources: Vec<serde_json::Value>,
    pub peers: Vec<serde_json::Value>,
    pub venues: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct SourceJson {
    pub name: &'static str,
    pub ok: bool,
    pub age_secs: Option<i64>,
    pub error: Option<String>,
}

/// The PRODUCT.md JSON shape of a state, as observed at `now`.
pub fn to_json(state: &AppState, now: OffsetDateTime) -> SnapshotJson {
    let t = &state.token;
    SnapshotJson {
        chain_id: state.chain_id,
        block: state.block.map(|b| b.number),
        block_time: state.block.map(|b| rfc3339(b.time)),
        token: TokenJson {
            address: t.address.to_checksum(None),
            name: t.name.as_deref().map(sanitize),
            symbol: t.symbol.as_deref().map(sanitize),
            decimals: t.decimals,
            total_supply_raw: t.total_supply_raw.map(|v| v.to_string()),
        },
        eth_usd: state.eth_usd.as_ref().map(|e| EthUsdJson {
            price: e.price(),
            source: "chainlink",
            updated_at: rfc3339(e.updated_at),
            stale: e.stale,
        }),
        gas: None,
        wallets: state
            .wallets
            .iter()
            .map(|w| WalletJson {
                label: sanitize(&w.label),
                address: w.address.to_checksum(None),
                pop_raw: w.pop_raw.map(|v| v.to_string()),
                eth_wei: w.eth_wei.map(|v| v.to_string()),
                value_usd: None,
                value_source: None,
                last_transfer_at: None,
                quotes: Vec::new(),
                exit: None,
                sell_check: None,
            })
            .collect(),
        portfolio_exit: None,
        pools: Vec::new(),
        market: MarketJson::default(),
        warnings: Vec::new(),
        sources: state
            .sources
            .iter()
            .map(|(name, s)| SourceJson {
                name: name.as_str(),
                ok: s.status == SourceStatus::Ok,
                age_secs: s.last_ok_at.map(|at| (now - at).whole_seconds()),
                error: match &s.status {
                    SourceStatus::Ok => None,
                    SourceStatus::Loading => Some("no answer".to_owned()),
                    SourceStatus::Failed { error } => Some(sanitize(error)),
                    SourceStatus::Unavailable { reason } => Some(sanitize(reason)),
                },
            })
            .collect(),
    }
}

/// A plain-text report of the same figures, for people.
pub fn to_table(state: &AppState, now: OffsetDateTime) -> String {
    let json = to_json(state, now);
    let unknown = || "unknown".to_owned();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "popwatch snapshot at {} (chain id {})",
        now.format(&Rfc3339).unwrap_or_default(),
        json.chain_id
    );
    let _ = writeln!(
        out,
        "block   {}  via {}",
        match (&json.block, &json.block_time) {
            (Some(n), Some(t)) => format!("{n} ({t})"),
            _ => unknown(),
        },
        state.endpoint.as_deref().unwrap_or("no endpoint answered"),
    );
    let _ = writeln!(
        out,
        "ETH/USD {}",
        json.eth_usd
            .as_ref()
            .map(|e| format!(
                "${:.2} (chainlink, updated {}{})",
                e.price,
                e.updated_at,
                if e.stale { ", STALE" } else { "" }
            ))
            .unwrap_or_else(unknown)
    );
    let _ = writeln!(
        out,
        "token   {}  name {}  symbol {}  total supply {}",
        json.token.address,
        json.token.name.clone().unwrap_or_else(unknown),
        json.token.symbol.clone().unwrap_or_else(unknown),
        state
            .token
            .total_supply_raw
            .zip(state.token.decimals)
            .map(|(raw, d)| token_amount(raw, d, 4))
            .unwrap_or_else(unknown),
    );
    let _ = writeln!(out);
    if json.wallets.is_empty() {
        let _ = writeln!(out, "no wallet is watched (add [[wallets]] to the config)");
    } else {
        let width = json
            .wallets
            .iter()
            .map(|w| w.label.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  {:<42}  {:>24}  {:>20}",
            "label", "address", "POP", "ETH"
        );
        for (w, state_w) in json.wallets.iter().zip(&state.wallets) {
            let decimals = state
                .token
                .decimals
                .unwrap_or(state.token.expected_decimals);
            let _ = writeln!(
                out,
                "{:<width$}  {:<42}  {:>24}  {:>20}",
                w.label,
                w.address,
                state_w
                    .pop_raw
                    .map(|v| token_amount(v, decimals, 4))
                    .unwrap_or_else(unknown),
                state_w
                    .eth_wei
                    .map(|v| token_amount(v, 18, 6))
                    .unwrap_or_else(unknown),
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "sources");
    for s in &json.sources {
        let _ = writeln!(
            out,
            "  {:<12} {}",
            s.name,
            match (&s.error, s.age_secs) {
                (None, Some(age)) => format!("ok, {age}s old"),
                (None, None) => "ok".to_owned(),
                (Some(e), _) => e.clone(),
            }
        );
    }
    out
}
