//! CoinPaprika v1: the coin resolved by contract (the lookup answers a 301 to its ticker) unless
//! pinned, its USD ticker, and the peers' tickers.

use serde_json::Value;
use time::OffsetDateTime;

use super::coingecko::{COIN_LIFETIME, HOURLY, ID_LIFETIME};
use super::http::{MarketError, MarketHttp};
use super::numbers::{at, positive, text, time_at};
use crate::state::market::{ListedContract, MarketQuote, Peer};

pub fn parse_ticker(t: &Value, fetched_at: OffsetDateTime) -> MarketQuote {
    let usd = |field: &str| at(t, &["quotes", "USD", field]);
    MarketQuote {
        price_usd: usd("price"),
        market_cap_usd: positive(usd("market_cap")),
        fdv_usd: None,
        volume_24h_usd: usd("volume_24h"),
        change_24h_pct: usd("percent_change_24h"),
        // The free plan may omit circulating_supply: unknown, not zero.
        circulating_supply: positive(at(t, &["circulating_supply"])),
        total_supply: at(t, &["total_supply"]),
        ath_usd: usd("ath_price"),
        ath_change_pct: usd("percent_from_price_ath"),
        rank: at(t, &["rank"]).filter(|r| *r > 0.0).map(|r| r as u32),
        // The ticker does not say: read from `/coins/{id}` (see `listed_contract`).
        contract: ListedContract::Unknown,
        provider_id: text(t, &["id"]),
        coin_name: text(t, &["name"]),
        coin_symbol: text(t, &["symbol"]),
        dev_commits_4_weeks: None,
        has_repository: None,
        liquidity_usd: None,
        fetched_at: Some(fetched_at),
        as_of: time_at(t, &["last_updated"], fetched_at),
    }
}

/// The Ethereum contract `/coins/{id}` lists (`contracts`, each with its `platform`): none
/// when the list holds no `eth-ethereum` entry.
pub fn listed_contract(coin: &Value) -> ListedContract {
    let Some(contracts) = coin.get("contracts").and_then(Value::as_array) else {
        return ListedContract::Unknown;
    };
    contracts
        .iter()
        .find(|c| text(c, &["platform"]).as_deref() == Some("eth-ethereum"))
        .and_then(|c| text(c, &["contract"]))
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .map_or(ListedContract::NotListed, ListedContract::Listed)
}

pub fn parse_peer(t: &Value) -> Peer {
    let usd = |field: &str| at(t, &["quotes", "USD", field]);
    Peer {
        id: text(t, &["id"]).unwrap_or_default(),
        symbol: text(t, &["symbol"]),
        price_usd: usd("price"),
        market_cap_usd: positive(usd("market_cap")),
        volume_24h_usd: usd("volume_24h"),
        change_24h_pct: usd("percent_change_24h"),
    }
}

pub struct CoinPaprika {
    pub http: MarketHttp,
    pub contract: String,
    pub pinned_id: Option<String>,
    pub peers: Vec<String>,
}

impl CoinPaprika {
    pub async fn read(&self) -> Result<(MarketQuote, Result<Vec<Peer>, MarketError>), MarketError> {
        let id = match &self.pinned_id {
            Some(id) => id.clone(),
            None => {
                let found = self
                    .http
                    .get(
                        &format!("/contracts/eth-ethereum/{}", self.contract),
                        ID_LIFETIME,
                    )
                    .await?;
                text(&found.value, &["id"]).ok_or_else(|| {
                    MarketError::Provider("the contract lookup answered no id".into())
                })?
            }
        };
        let ticker = self
            .http
            .get(&format!("/tickers/{id}?quotes=USD"), COIN_LIFETIME)
            .await?;
        let mut quote = parse_ticker(&ticker.value, ticker.at);
        // What the coin lists, asked of the provider (not the address popwatch looked up
        // with): a failed lookup leaves it unknown, the figures still count.
        quote.contract = match self.http.get(&format!("/coins/{id}"), ID_LIFETIME).await {
            Ok(coin) => listed_contract(&coin.value),
            Err(e) => {
                tracing::debug!(%e, "coinpaprika: the coin's contracts could not be read");
                ListedContract::Unknown
            }
        };
        let mut peers = Ok(Vec::new());
        for peer in &self.peers {
            match self
                .http
                .get(&format!("/tickers/{peer}?quotes=USD"), HOURLY)
                .await
            {
                Ok(f) => {
                    if let Ok(list) = peers.as_mut() {
                        list.push(parse_peer(&f.value));
                    }
                }
                Err(e) => {
                    peers = Err(e);
                    break;
                }
            }
        }
        Ok((quote, peers))
    }
}
