//! DexScreener: the token's pairs (bare arrays from `/token-pairs/v1`; the legacy
//! `/latest/dex/tokens` wraps them in `pairs`, which may be `null`). Prices are strings there.
//! It does not index Uniswap V1.

use serde_json::Value;
use time::OffsetDateTime;

use super::coingecko::COIN_LIFETIME;
use super::http::{MarketError, MarketHttp};
use super::numbers::{at, positive, text};
use crate::state::market::{ListedContract, MarketQuote, MarketVenue};

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

/// Which side of a pair `token` is: `Some(true)` the base, `Some(false)` the quote, `None`
/// when the pair does not hold it (DexScreener's token-pairs can list pairs of other tokens).
fn side(pair: &Value, token: &str) -> Option<bool> {
    let is = |path: &[&str]| text(pair, path).is_some_and(|a| a.eq_ignore_ascii_case(token));
    if is(&["baseToken", "address"]) {
        Some(true)
    } else if is(&["quoteToken", "address"]) {
        Some(false)
    } else {
        None
    }
}

/// `token`'s USD price in `pair`: DexScreener's `priceUsd` is the base token's; where the
/// token is the quote, its price is `priceUsd / priceNative` (the base costs `priceNative`
/// quote tokens).
fn price_of(pair: &Value, base: bool) -> Option<f64> {
    let base_usd = at(pair, &["priceUsd"])?;
    if base {
        return Some(base_usd);
    }
    let native = at(pair, &["priceNative"]).filter(|n| *n > 0.0)?;
    Some(base_usd / native).filter(|p| p.is_finite())
}

/// `token`'s figures: price from its most liquid pair (whichever side it is on), volume and
/// liquidity summed over the pairs that hold it; the pair-level market cap, FDV and change
/// only where it is the base (otherwise they are the other token's).
pub fn parse_pairs(
    value: &Value,
    token: &str,
    fetched_at: OffsetDateTime,
) -> (MarketQuote, Vec<MarketVenue>) {
    let pairs: Vec<Value> = pairs(value)
        .into_iter()
        .filter(|p| side(p, token).is_some())
        .collect();
    let deepest = pairs.iter().max_by(|a, b| {
        let la = at(a, &["liquidity", "usd"]).unwrap_or(0.0);
        let lb = at(b, &["liquidity", "usd"]).unwrap_or(0.0);
        la.total_cmp(&lb)
    });
    let base = deepest.and_then(|p| side(p, token)).unwrap_or(true);
    let as_base = |path: &[&str]| deepest.filter(|_| base).and_then(|p| at(p, path));
    let sum = |path: &[&str]| -> Option<f64> {
        let values: Vec<f64> = pairs.iter().filter_map(|p| at(p, path)).collect();
        (!values.is_empty()).then(|| values.iter().sum())
    };
    let token_side = if base { "baseToken" } else { "quoteToken" };
    let quote = MarketQuote {
        price_usd: deepest.and_then(|p| price_of(p, base)),
        market_cap_usd: positive(as_base(&["marketCap"])),
        fdv_usd: as_base(&["fdv"]),
        volume_24h_usd: sum(&["volume", "h24"]),
        change_24h_pct: as_base(&["priceChange", "h24"]),
        contract: deepest
            .and_then(|p| text(p, &[token_side, "address"]))
            .map_or(ListedContract::Unknown, ListedContract::Listed),
        coin_name: deepest.and_then(|p| text(p, &[token_side, "name"])),
        coin_symbol: deepest.and_then(|p| text(p, &[token_side, "symbol"])),
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
        Ok(parse_pairs(&f.value, &self.contract, f.at))
    }
}
