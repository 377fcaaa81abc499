//! CoinPaprika v1: the coin resolved by contract (the lookup answers a 301 to its ticker) unless
//! pinned, its USD ticker, and the peers' tickers.

use serde_json::Value;
use time::OffsetDateTime;

use super::coingecko::{COIN_LIFETIME, HOURLY, ID_LIFETIME};
use super::http::{MarketError, MarketHttp};
use super::numbers::{at, positive, text};
use crate::state::market::{MarketQuote, Peer};

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
        contract_address: None,
        provider_id: text(t, &["id"]),
        dev_commits_4_weeks: None,
        has_repository: None,
        liquidity_usd: None,
        fetched_at: Some(fetched_at),
    }
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
        quote.contract_address = (self.pinned_id.is_none()).then(|| self.contract.clone());
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
