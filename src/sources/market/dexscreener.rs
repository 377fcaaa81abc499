//! DexScreener: the token's pairs (bare arrays from `/token-pairs/v1`; the legacy
//! `/latest/dex/tokens` wraps them in `pairs`, which may be `null`). Prices are strings there.
//! It does not index Uniswap V1.

use serde_json::Value;
use time::OffsetDateTime;

use super::coingecko::COIN_LIFETIME;
use super::http::{MarketError, MarketHttp};
use super::numbers::{at, positive, text};
use crate::state::market::{MarketQuote, MarketVenue};

/// The pairs of either response shape.
pub fn pairs(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        other => other
            .get("pairs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

/// The token's figures: price from its most liquid pair, volume and liquidity summed.
pub fn parse_pairs(value: &Value, fetched_at: OffsetDateTime) -> (MarketQuote, Vec<MarketVenue>) {
    let pairs = pairs(value);
    let deepest = pairs.iter().max_by(|a, b| {
        let la = at(a, &["liquidity", "usd"]).unwrap_or(0.0);
        let lb = at(b, &["liquidity", "usd"]).unwrap_or(0.0);
        la.total_cmp(&lb)
    });
    let sum = |path: &[&str]| -> Option<f64> {
        let values: Vec<f64> = pairs.iter().filter_map(|p| at(p, path)).collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    let quote = MarketQuote {
        price_usd: deepest.and_then(|p| at(p, &["priceUsd"])),
        market_cap_usd: positive(deepest.and_then(|p| at(p, &["marketCap"]))),
        fdv_usd: deepest.and_then(|p| at(p, &["fdv"])),
        volume_24h_usd: sum(&["volume", "h24"]),
        change_24h_pct: deepest.and_then(|p| at(p, &["priceChange", "h24"])),
        contract_address: deepest.and_then(|p| text(p, &["baseToken", "address"])),
        liquidity_usd: sum(&["liquidity", "usd"]),
        fetched_at: Some(fetched_at),
        ..MarketQuote::default()
    };
    let venues = pairs
        .iter()
        .map(|p| MarketVenue {
            exchange: text(p, &["dexId"]).unwrap_or_default(),
            pair: format!(
                "{}/{}",
                text(p, &["baseToken", "symbol"]).unwrap_or_default(),
                text(p, &["quoteToken", "symbol"]).unwrap_or_default()
            ),
            address: text(p, &["pairAddress"]),
            volume_24h_usd: at(p, &["volume", "h24"]),
            last_traded_at: None,
            is_stale: false,
        })
        .collect();
    (quote, venues)
}

pub struct DexScreener {
    pub http: MarketHttp,
    pub contract: String,
}

impl DexScreener {
    pub async fn read(&self) -> Result<(MarketQuote, Vec<MarketVenue>), MarketError> {
        let f = self
            .http
            .get(
                &format!("/token-pairs/v1/ethereum/{}", self.contract),
                COIN_LIFETIME,
            )
            .await?;
        Ok(parse_pairs(&f.value, f.at))
    }
}
