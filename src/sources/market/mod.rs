//! Market figures from CoinGecko, CoinPaprika and DexScreener, side by side: clients that read
//! each provider's documented JSON leniently into one `MarketQuote`, politely (a budget per
//! minute, a lifetime per endpoint, Retry-After honoured), and the disagreements between them.

pub mod budget;
pub mod coingecko;
pub mod coinpaprika;
pub mod dexscreener;
pub mod disagreement;
pub mod http;
pub mod numbers;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::config::Config;
use crate::sources::{Source, UpdateSender};
use crate::state::{SourceName, Update};
use http::{Clock, KeyHeader, MarketError, MarketHttp, SystemClock};

/// Requests per minute per provider, well under each free plan (CoinGecko Demo: 30/min;
/// CoinPaprika free: about 20k/month; DexScreener: 300/min).
pub const COINGECKO_PER_MINUTE: usize = 5;
pub const COINPAPRIKA_PER_MINUTE: usize = 10;
pub const DEXSCREENER_PER_MINUTE: usize = 30;

enum Provider {
    CoinGecko(coingecko::CoinGecko),
    CoinPaprika(coinpaprika::CoinPaprika),
    DexScreener(dexscreener::DexScreener),
}

/// One market provider as a `Source`.
pub struct MarketSource {
    name: SourceName,
    provider: Provider,
    interval: Duration,
}

/// The three market sources for a config, on the given clock.
pub fn sources(config: &Config, clock: Arc<dyn Clock>) -> Vec<MarketSource> {
    let timeout = Duration::from_secs(config.chain.timeout_secs);
    sources_with_http(config, clock, crate::net::http_client(timeout))
}

/// [`sources`] on a shared HTTP client.
pub fn sources_with_http(
    config: &Config,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
) -> Vec<MarketSource> {
    let m = &config.market;
    let timeout = Duration::from_secs(config.chain.timeout_secs);
    let contract = format!("{:#x}", config.token.address);
    let interval = Duration::from_secs(config.market_refresh_secs);
    // A pro key goes to the pro host in its own header; a demo key in the demo header.
    let cg_key = if m.coingecko_url.contains("pro-api.coingecko.com") {
        KeyHeader::Header("x-cg-pro-api-key", m.coingecko_api_key.clone())
    } else {
        KeyHeader::Header("x-cg-demo-api-key", m.coingecko_api_key.clone())
    };
    vec![
        MarketSource {
            name: SourceName::Coingecko,
            provider: Provider::CoinGecko(coingecko::CoinGecko {
                http: MarketHttp::new(
                    http.clone(),
                    &m.coingecko_url,
                    cg_key,
                    COINGECKO_PER_MINUTE,
                    timeout,
                    clock.clone(),
                )
                .with_max_response_bytes(m.max_response_bytes()),
                contract: contract.clone(),
                pinned_id: config.token.coingecko_id.clone(),
                peers: m.peers.clone(),
            }),
            interval,
        },
        MarketSource {
            name: SourceName::Coinpaprika,
            provider: Provider::CoinPaprika(coinpaprika::CoinPaprika {
                http: MarketHttp::new(
                    http.clone(),
                    &m.coinpaprika_url,
                    KeyHeader::None,
                    COINPAPRIKA_PER_MINUTE,
                    timeout,
                    clock.clone(),
                )
                .with_max_response_bytes(m.max_response_bytes()),
                contract: contract.clone(),
                pinned_id: config.token.coinpaprika_id.clone(),
                peers: m.peers_coinpaprika.clone(),
            }),
            interval,
        },
        MarketSource {
            name: SourceName::Dexscreener,
            provider: Provider::DexScreener(dexscreener::DexScreener {
                http: MarketHttp::new(
                    http.clone(),
                    &m.dexscreener_url,
                    KeyHeader::None,
                    DEXSCREENER_PER_MINUTE,
                    timeout,
                    clock,
                )
                .with_max_response_bytes(m.max_response_bytes()),
                contract,
            }),
            interval,
        },
    ]
}

/// The failure of a source as the update the user sees.
fn failed(source: SourceName, error: MarketError) -> Update {
    tracing::warn!(source = source.as_str(), %error, "market source failed");
    match error {
        MarketError::RateLimited { until } => Update::SourceRateLimited { source, until },
        other => Update::SourceFailed {
            source,
            error: other.to_string(),
        },
    }
}

impl MarketSource {
    /// HTTP requests this source has sent.
    pub fn requests_sent(&self) -> u64 {
        match &self.provider {
            Provider::CoinGecko(p) => p.http.requests_sent(),
            Provider::CoinPaprika(p) => p.http.requests_sent(),
            Provider::DexScreener(p) => p.http.requests_sent(),
        }
    }

    /// One refresh, as updates.
    pub async fn read(&self) -> Vec<Update> {
        let source = self.name;
        let mut out = Vec::new();
        match &self.provider {
            Provider::CoinGecko(p) => match p.read().await {
                Ok(read) => {
                    out.push(Update::Market {
                        source,
                        quote: Box::new(read.quote),
                    });
                    match read.venues {
                        Ok(venues) => out.push(Update::Venues { source, venues }),
                        Err(e) => tracing::warn!(%e, "CoinGecko tickers"),
                    }
                    match read.chart {
                        Ok(points) => out.push(Update::PriceChart { source, points }),
                        Err(e) => tracing::warn!(%e, "CoinGecko market chart"),
                    }
                    match read.peers {
                        Ok(peers) => out.push(Update::Peers { source, peers }),
                        Err(e) => tracing::warn!(%e, "CoinGecko peers"),
                    }
                }
                Err(e) => out.push(failed(source, e)),
            },
            Provider::CoinPaprika(p) => match p.read().await {
                Ok((quote, peers)) => {
                    out.push(Update::Market {
                        source,
                        quote: Box::new(quote),
                    });
                    match peers {
                        Ok(peers) => out.push(Update::Peers { source, peers }),
                        Err(e) => tracing::warn!(%e, "CoinPaprika peers"),
                    }
                }
                Err(e) => out.push(failed(source, e)),
            },
            Provider::DexScreener(p) => match p.read().await {
                Ok((quote, venues)) => {
                    out.push(Update::Market {
                        source,
                        quote: Box::new(quote),
                    });
                    out.push(Update::Venues { source, venues });
                }
                Err(e) => out.push(failed(source, e)),
            },
        }
        out
    }
}

impl Source for MarketSource {
    fn name(&self) -> SourceName {
        self.name
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            for update in self.read().await {
                let _ = out.send(update);
            }
        })
    }
}

/// The market sources on the real clock.
pub fn sources_for(config: &Config, http: reqwest::Client) -> Vec<MarketSource> {
    sources_with_http(config, Arc::new(SystemClock), http)
}
