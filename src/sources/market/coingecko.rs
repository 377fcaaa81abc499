//! CoinGecko v3: the coin resolved by contract address (unless pinned), its market and
//! developer data, its tickers (where it trades), the 7-day chart, and the peers.

use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

use super::http::{Fetched, MarketError, MarketHttp};
use super::numbers::{at, dig, number, positive, text, time_at};
use crate::state::market::{ListedContract, MarketQuote, MarketVenue, Peer};

/// Lifetimes per endpoint: with the default 10-minute market refresh this stays within the
/// Demo plan's 10,000 calls a month running 24/7 (see the README).
pub const COIN_LIFETIME: Duration = Duration::from_secs(600);
pub const HOURLY: Duration = Duration::from_secs(3600);
pub const ID_LIFETIME: Duration = Duration::from_secs(86_400);

/// The coin's market figures from `/coins/{id}` (or the contract lookup, same shape).
pub fn parse_coin(coin: &Value, fetched_at: OffsetDateTime) -> MarketQuote {
    let md = coin.get("market_data").unwrap_or(&Value::Null);
    let repos = dig(coin, &["links", "repos_url", "github"]).and_then(Value::as_array);
    MarketQuote {
        price_usd: at(md, &["current_price", "usd"]),
        market_cap_usd: positive(at(md, &["market_cap", "usd"])),
        fdv_usd: at(md, &["fully_diluted_valuation", "usd"]),
        volume_24h_usd: at(md, &["total_volume", "usd"]),
        change_24h_pct: at(md, &["price_change_percentage_24h"]),
        circulating_supply: positive(at(md, &["circulating_supply"])),
        total_supply: at(md, &["total_supply"]),
        ath_usd: at(md, &["ath", "usd"]),
        ath_change_pct: at(md, &["ath_change_percentage", "usd"]),
        rank: at(coin, &["market_cap_rank"])
            .or_else(|| at(md, &["market_cap_rank"]))
            .map(|r| r as u32),
        contract: listed_contract(coin),
        provider_id: text(coin, &["id"]),
        coin_name: text(coin, &["name"]),
        coin_symbol: text(coin, &["symbol"]),
        dev_commits_4_weeks: at(coin, &["developer_data", "commit_count_4_weeks"]),
        has_repository: repos.map(|r| r.iter().any(|u| u.as_str().is_some_and(|s| !s.is_empty()))),
        liquidity_usd: None,
        fetched_at: Some(fetched_at),
        as_of: time_at(md, &["last_updated"], fetched_at)
            .or_else(|| time_at(coin, &["last_updated"], fetched_at)),
    }
}

/// The coin's Ethereum contract from its `platforms`: an object without `ethereum` (or with an
/// empty one) lists none; no `platforms` at all says nothing.
fn listed_contract(coin: &Value) -> ListedContract {
    match coin.get("platforms") {
        Some(Value::Object(platforms)) => match platforms.get("ethereum").and_then(Value::as_str) {
            Some(address) if !address.trim().is_empty() => {
                ListedContract::Listed(crate::format::sanitize(address.trim()))
            }
            _ => ListedContract::NotListed,
        },
        _ => ListedContract::Unknown,
    }
}

fn parse_time(value: Option<&Value>) -> Option<OffsetDateTime> {
    let text = value?.as_str()?;
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

pub fn parse_tickers(value: &Value) -> Vec<MarketVenue> {
    let Some(tickers) = value.get("tickers").and_then(Value::as_array) else {
        return Vec::new();
    };
    tickers
        .iter()
        .map(|t| MarketVenue {
            exchange: text(t, &["market", "identifier"]).unwrap_or_default(),
            pair: format!(
                "{}/{}",
                text(t, &["base"]).unwrap_or_default(),
                text(t, &["target"]).unwrap_or_default()
            ),
            address: None,
            volume_24h_usd: at(t, &["converted_volume", "usd"]),
            last_traded_at: parse_time(t.get("last_traded_at")),
            is_stale: t.get("is_stale").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect()
}

pub fn parse_chart(value: &Value) -> Vec<(OffsetDateTime, f64)> {
    let Some(prices) = value.get("prices").and_then(Value::as_array) else {
        return Vec::new();
    };
    prices
        .iter()
        .filter_map(|p| {
            let ms = number(p.get(0)?)?;
            let price = number(p.get(1)?)?;
            // An API time is untrusted: a number too large for a time is no time, not an
            // overflow (found by tests/integration/fuzz.rs).
            let nanos = (ms.is_finite().then_some(ms as i128)?).checked_mul(1_000_000)?;
            let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
            Some((at, price))
        })
        .collect()
}

pub fn parse_markets(value: &Value) -> Vec<Peer> {
    value
        .as_array()
        .map(|coins| {
            coins
                .iter()
                .map(|c| Peer {
                    id: text(c, &["id"]).unwrap_or_default(),
                    symbol: text(c, &["symbol"]).map(|s| s.to_uppercase()),
                    price_usd: at(c, &["current_price"]),
                    market_cap_usd: positive(at(c, &["market_cap"])),
                    volume_24h_usd: at(c, &["total_volume"]),
                    change_24h_pct: at(c, &["price_change_percentage_24h"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub struct CoinGecko {
    pub http: MarketHttp,
    pub contract: String,
    pub pinned_id: Option<String>,
    pub peers: Vec<String>,
}

/// What one CoinGecko refresh found.
pub struct CoinGeckoRead {
    pub quote: MarketQuote,
    pub venues: Result<Vec<MarketVenue>, MarketError>,
    pub chart: Result<Vec<(OffsetDateTime, f64)>, MarketError>,
    pub peers: Result<Vec<Peer>, MarketError>,
}

impl CoinGecko {
    async fn id(&self) -> Result<String, MarketError> {
        if let Some(id) = &self.pinned_id {
            return Ok(id.clone());
        }
        let Fetched { value, .. } = self
            .http
            .get(
                &format!("/coins/ethereum/contract/{}", self.contract),
                ID_LIFETIME,
            )
            .await?;
        text(&value, &["id"])
            .ok_or_else(|| MarketError::Provider("the contract lookup answered no coin id".into()))
    }

    pub async fn read(&self) -> Result<CoinGeckoRead, MarketError> {
        let id = self.id().await?;
        let coin = self
            .http
            .get(
                &format!("/coins/{id}?localization=false&tickers=false&market_data=true&community_data=false&developer_data=true&sparkline=false"),
                COIN_LIFETIME,
            )
            .await?;
        let quote = parse_coin(&coin.value, coin.at);
        let venues = self
            .http
            .get(&format!("/coins/{id}/tickers"), HOURLY)
            .await
            .map(|f| parse_tickers(&f.value));
        let chart = self
            .http
            .get(
                &format!("/coins/{id}/market_chart?vs_currency=usd&days=7"),
                HOURLY,
            )
            .await
            .map(|f| parse_chart(&f.value));
        let peers = if self.peers.is_empty() {
            Ok(Vec::new())
        } else {
            self.http
                .get(
                    &format!(
                        "/coins/markets?vs_currency=usd&ids={}",
                        self.peers.join(",")
                    ),
                    HOURLY,
                )
                .await
                .map(|f| parse_markets(&f.value))
        };
        Ok(CoinGeckoRead {
            quote,
            venues,
            chart,
            peers,
        })
    }
}

#[cfg(test)]
mod chart_tests {
    use super::*;

    #[test]
    fn chart_points_with_impossible_times_are_dropped_not_a_panic() {
        let chart = serde_json::json!({"prices": [
            [-1.7931395686424225e62, 1.0],
            [1.0e300, 2.0],
            [1_764_000_000_000u64, 3.0]
        ]});
        let points = parse_chart(&chart);
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].1, 3.0);
    }
}
