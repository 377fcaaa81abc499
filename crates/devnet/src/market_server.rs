//! A loopback server in the documented shapes of CoinGecko v3, CoinPaprika v1 and DexScreener,
//! serving a POP-like dead coin (CoinGecko: 0 circulating and a market cap of 0; CoinPaprika:
//! no circulating supply at all; volumes in the tens of dollars; no major listing) and the
//! peers, consistent with the devnet's chain. It can be told to fail the next request of a
//! route: 429 with Retry-After, a 503 HTML page, a Cloudflare challenge, truncated JSON, nulls
//! everywhere, an empty pairs list, a stall, a huge body, a body a byte at a time.
//!
//! Shapes follow the providers' API references (CoinGecko `/coins/{id}`, `/coins/{id}/tickers`,
//! `/coins/{id}/market_chart`, `/coins/markets`; CoinPaprika `/tickers/{id}` and the 301 of
//! `/contracts/{platform}/{address}`; DexScreener `/token-pairs/v1/{chain}/{address}` and
//! `/latest/dex/tokens/{address}`), with the quirks seen in real answers: exponent notation,
//! omitted fields, prices as strings, `pairs: null`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy::primitives::Address;
use serde_json::{Value, json};

use super::http_server::{self, Request, Response, ServerGuard};

/// What the server says about the token.
#[derive(Debug, Clone)]
pub struct MarketFixture {
    pub token: Address,
    /// The price the chain implies (pool spot × ETH/USD).
    pub price_usd: f64,
    pub total_supply: f64,
    /// DexScreener's pair: the devnet's Uniswap V2 pool, and its liquidity in USD.
    pub v2_pair: Option<(Address, f64)>,
    pub coingecko_id: String,
    pub coinpaprika_id: String,
    /// Appended to every name the providers send (coin, venue, DEX): hostile text for tests.
    pub name_suffix: String,
    /// The contract CoinGecko and CoinPaprika list for the coin (`None`: no Ethereum contract);
    /// normally `token`.
    pub listed_contract: Option<Address>,
    /// How long before each answer the providers last updated the coin's figures
    /// (`last_updated`).
    pub updated_ago: Duration,
}

/// THETA's ERC-20 contract (mainnet), listed by the Theta coin a pinned id can point at.
pub const THETA_CONTRACT: &str = "0x3883f5e181fccaf8410fa61e12b59bad963fb645";

/// A failure to serve instead of the documented answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// HTTP 429 with this `Retry-After` value and a JSON body (CoinGecko's shape).
    TooManyRequests(String),
    /// HTTP 503 with an nginx-style HTML page.
    Html503,
    /// HTTP 403 with a Cloudflare challenge page.
    Cloudflare,
    /// The documented body, cut off halfway.
    Truncated,
    /// The documented keys with every value null.
    Nulls,
    /// DexScreener: no pairs at all.
    EmptyPairs,
    /// Answer only after this long.
    Stall(Duration),
    /// The documented body after this many bytes of whitespace, with no Content-Length.
    Padded(u64),
    /// The documented body a byte at a time, this long apart.
    Trickle(Duration),
    /// A 301 to this URL (another server: where an API key header must not follow).
    RedirectTo(String),
}

struct State {
    fixture: MarketFixture,
    /// When the server started: the providers' `last_updated` is `updated_ago` before it, the
    /// same in every answer (as a provider's is until it updates).
    started: time::OffsetDateTime,
    /// (path prefix, fault), consumed by the first matching request.
    faults: Vec<(String, Fault)>,
    /// Every request's path, with the time it arrived.
    log: VecDeque<(std::time::Instant, String, Option<String>)>,
}

pub struct MarketServer {
    guard: ServerGuard,
    state: Arc<Mutex<State>>,
}

impl MarketServer {
    pub fn start(fixture: MarketFixture) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State {
            fixture,
            started: time::OffsetDateTime::now_utc(),
            faults: Vec::new(),
            log: VecDeque::new(),
        }));
        let s = state.clone();
        let guard = http_server::spawn(Arc::new(move |request: &Request| handle(&s, request)))?;
        Ok(Self { guard, state })
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.guard.addr)
    }
    pub fn coingecko_url(&self) -> String {
        format!("{}/api/v3", self.base())
    }
    pub fn coinpaprika_url(&self) -> String {
        format!("{}/v1", self.base())
    }
    pub fn dexscreener_url(&self) -> String {
        self.base()
    }

    /// The next request whose path starts with `prefix` gets `fault`.
    pub fn fail_next(&self, prefix: &str, fault: Fault) {
        self.state
            .lock()
            .expect("not poisoned")
            .faults
            .push((prefix.to_owned(), fault));
    }

    /// Paths requested so far, with their arrival times and the CoinGecko key header.
    pub fn requests(&self) -> Vec<(std::time::Instant, String, Option<String>)> {
        self.state
            .lock()
            .expect("not poisoned")
            .log
            .iter()
            .cloned()
            .collect()
    }

    /// From now on, every name served ends with `suffix`.
    pub fn set_name_suffix(&self, suffix: &str) {
        self.state.lock().expect("not poisoned").fixture.name_suffix = suffix.to_owned();
    }

    pub fn clear_requests(&self) {
        self.state.lock().expect("not poisoned").log.clear();
    }
}

fn handle(state: &Mutex<State>, request: &Request) -> Response {
    let (fixture, fault, started) = {
        let mut s = state.lock().expect("not poisoned");
        let key = request
            .header("x-cg-demo-api-key")
            .or(request.header("x-cg-pro-api-key"))
            .map(str::to_owned);
        s.log
            .push_back((std::time::Instant::now(), request.target.clone(), key));
        let fault = s
            .faults
            .iter()
            .position(|(prefix, _)| request.target.starts_with(prefix.as_str()))
            .map(|i| s.faults.remove(i).1);
        (s.fixture.clone(), fault, s.started)
    };
    let path = request.target.split('?').next().unwrap_or("");
    let mut response = match fault {
        Some(Fault::TooManyRequests(retry_after)) => {
            return Response::json(429, &json!({"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}))
                .with_header("retry-after", &retry_after);
        }
        Some(Fault::Html503) => {
            return Response::raw(503, "text/html", b"<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>".to_vec());
        }
        Some(Fault::RedirectTo(url)) => {
            return Response::raw(301, "text/plain", Vec::new()).with_header("location", &url);
        }
        Some(Fault::Cloudflare) => {
            return Response::raw(403, "text/html", b"<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body>Checking if the site connection is secure. Enable JavaScript and cookies to continue. Cloudflare Ray ID: 8a1b2c3d4e5f</body></html>".to_vec());
        }
        other => {
            let mut r = route(&fixture, started, path, &request.target);
            match other {
                Some(Fault::Truncated) => r.truncate = true,
                Some(Fault::Nulls) => {
                    if let Ok(v) = serde_json::from_slice::<Value>(&r.body) {
                        r.body = nulls(&v).to_string().into_bytes();
                    }
                }
                Some(Fault::EmptyPairs) => r.body = b"[]".to_vec(),
                Some(Fault::Stall(d)) => r.stall = Some(d),
                Some(Fault::Padded(bytes)) => r.padding = bytes,
                Some(Fault::Trickle(every)) => r.trickle = Some(every),
                _ => {}
            }
            r
        }
    };
    response
        .headers
        .push(("cache-control".to_owned(), "max-age=30".to_owned()));
    response
}

/// Every leaf replaced by null, keeping the keys (a provider that knows nothing).
fn nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), nulls(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(nulls).collect()),
        _ => Value::Null,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn route(f: &MarketFixture, started: time::OffsetDateTime, path: &str, target: &str) -> Response {
    let token = format!("{:#x}", f.token);
    let not_found = || Response::json(404, &json!({"error": "coin not found"}));
    match path
        .split('/')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .as_slice()
    {
        // CoinGecko
        ["api", "v3", "coins", "ethereum", "contract", address] => {
            if address.eq_ignore_ascii_case(&token) {
                Response::json(200, &coingecko_coin(f, started))
            } else {
                not_found()
            }
        }
        ["api", "v3", "coins", "markets"] => Response::json(200, &coingecko_peers(target)),
        ["api", "v3", "coins", id] if *id == f.coingecko_id => {
            Response::json(200, &coingecko_coin(f, started))
        }
        // Another coin a pinned id may name: its own contract.
        ["api", "v3", "coins", "theta-token"] => Response::json(
            200,
            &coingecko_coin(
                &MarketFixture {
                    coingecko_id: "theta-token".to_owned(),
                    listed_contract: THETA_CONTRACT.parse().ok(),
                    name_suffix: String::new(),
                    price_usd: 0.93,
                    ..f.clone()
                },
                started,
            ),
        ),
        ["api", "v3", "coins", id, "tickers"] if *id == f.coingecko_id => {
            Response::json(200, &coingecko_tickers(f))
        }
        ["api", "v3", "coins", id, "market_chart"] if *id == f.coingecko_id => {
            Response::json(200, &coingecko_chart(f))
        }
        // CoinPaprika
        ["v1", "contracts", "eth-ethereum", address] => {
            if address.eq_ignore_ascii_case(&token) {
                Response::raw(301, "text/plain", Vec::new())
                    .with_header("location", &format!("/v1/tickers/{}", f.coinpaprika_id))
            } else {
                Response::json(404, &json!({"error": "id not found"}))
            }
        }
        ["v1", "tickers", id] if *id == f.coinpaprika_id => {
            Response::json(200, &coinpaprika_ticker(f, started))
        }
        ["v1", "coins", id] if *id == f.coinpaprika_id => {
            Response::json(200, &coinpaprika_coin(f, id, f.listed_contract))
        }
        ["v1", "coins", "theta-theta-token"] => Response::json(
            200,
            &coinpaprika_coin(f, "theta-theta-token", THETA_CONTRACT.parse().ok()),
        ),
        ["v1", "tickers", "theta-theta-token"] => Response::json(
            200,
            &coinpaprika_peer(
                "theta-theta-token",
                "Theta Network",
                "THETA",
                0.92,
                920_000_000.0,
                21_400_000.0,
                -1.8,
            ),
        ),
        ["v1", "tickers", "audio-audius"] => Response::json(
            200,
            &coinpaprika_peer(
                "audio-audius",
                "Audius",
                "AUDIO",
                0.081,
                98_000_000.0,
                4_100_000.0,
                2.4,
            ),
        ),
        ["v1", "tickers", _] => Response::json(404, &json!({"error": "id not found"})),
        // DexScreener
        ["token-pairs", "v1", "ethereum", address] => Response::json(
            200,
            &if address.eq_ignore_ascii_case(&token) {
                dexscreener_pairs(f)
            } else {
                json!([])
            },
        ),
        ["latest", "dex", "tokens", address] => {
            let pairs = if address.eq_ignore_ascii_case(&token) {
                dexscreener_pairs(f)
            } else {
                Value::Null
            };
            Response::json(200, &json!({"schemaVersion": "1.0.0", "pairs": pairs}))
        }
        _ => not_found(),
    }
}

fn coingecko_coin(f: &MarketFixture, started: time::OffsetDateTime) -> Value {
    // Numbers as CoinGecko writes them: exponent notation, `.0` floats, omitted fields.
    json!({
        "id": f.coingecko_id,
        "symbol": "pop",
        "name": format!("POP Network Token{}", f.name_suffix),
        "asset_platform_id": "ethereum",
        "platforms": match f.listed_contract {
            Some(listed) => json!({"ethereum": format!("{listed:#x}")}),
            None => json!({"": ""}),
        },
        "detail_platforms": match f.listed_contract {
            Some(listed) => json!({"ethereum": {"decimal_place": 18, "contract_address": format!("{listed:#x}")}}),
            None => json!({"": {"decimal_place": null, "contract_address": ""}}),
        },
        "market_cap_rank": null,
        "links": {"homepage": ["https://popchest.io", "", ""], "repos_url": {"github": [], "bitbucket": []}},
        "developer_data": {
            "forks": 0, "stars": 0, "subscribers": 0, "total_issues": 0, "closed_issues": 0,
            "pull_requests_merged": 0, "pull_request_contributors": 0,
            "code_additions_deletions_4_weeks": {"additions": null, "deletions": null},
            "commit_count_4_weeks": 0, "last_4_weeks_commit_activity_series": []
        },
        "market_data": {
            "current_price": {"usd": f.price_usd * 1.04, "eth": 3.46e-09},
            "ath": {"usd": 0.0289},
            "ath_change_percentage": {"usd": (f.price_usd * 1.04 / 0.0289 - 1.0) * 100.0},
            "ath_date": {"usd": "2018-07-19T00:00:00.000Z"},
            "market_cap": {"usd": 0},
            "market_cap_rank": null,
            "fully_diluted_valuation": {"usd": f.price_usd * 1.04 * f.total_supply},
            "total_volume": {"usd": 48.0},
            "price_change_percentage_24h": -3.12,
            "total_supply": f.total_supply,
            "max_supply": f.total_supply,
            "circulating_supply": 0.0,
            "last_updated": updated_at(f, started, true)
        },
        "last_updated": updated_at(f, started, true)
    })
}

fn coingecko_tickers(f: &MarketFixture) -> Value {
    json!({
        "name": format!("POP Network Token{}", f.name_suffix),
        "tickers": [
            {
                "base": format!("{:#X}", f.token), "target": "ETH",
                "market": {"name": format!("Uniswap (v1){}", f.name_suffix), "identifier": "uniswap_v1", "has_trading_incentive": false},
                "last": 3.4e-09, "volume": 4_400_000.0,
                "converted_last": {"usd": f.price_usd}, "converted_volume": {"usd": 44.1},
                "trust_score": null, "bid_ask_spread_percentage": null,
                "timestamp": "2026-11-20T11:05:14+00:00", "last_traded_at": "2026-11-20T11:05:14+00:00",
                "last_fetch_at": "2026-11-25T09:31:02+00:00", "is_anomaly": false, "is_stale": true,
                "trade_url": null, "token_info_url": null, "coin_id": f.coingecko_id, "target_coin_id": "ethereum"
            },
            {
                "base": "POP", "target": "USDT",
                "market": {"name": format!("Hotbit{}", f.name_suffix), "identifier": "hotbit", "has_trading_incentive": false},
                "last": 1.1e-05, "volume": 361_000.0,
                "converted_last": {"usd": 1.1e-05}, "converted_volume": {"usd": 3.97},
                "trust_score": "red", "timestamp": "2023-05-22T00:00:00+00:00",
                "last_traded_at": "2023-05-22T00:00:00+00:00", "last_fetch_at": "2023-05-22T00:00:00+00:00",
                "is_anomaly": false, "is_stale": true, "coin_id": f.coingecko_id, "target_coin_id": "tether"
            }
        ]
    })
}

fn coingecko_chart(f: &MarketFixture) -> Value {
    let now = now_ms();
    let prices: Vec<Value> = (0..=168u64)
        .map(|h| {
            let at = now - (168 - h) * 3_600_000;
            let drift = 1.0 + (168 - h) as f64 / 168.0 * 0.2;
            json!([at, f.price_usd * drift])
        })
        .collect();
    json!({"prices": prices, "market_caps": [], "total_volumes": []})
}

fn coingecko_peers(target: &str) -> Value {
    let ids = target
        .split("ids=")
        .nth(1)
        .unwrap_or("")
        .split('&')
        .next()
        .unwrap_or("");
    let peers: Vec<Value> = ids
        .split(',')
        .filter_map(|id| match id {
            "theta-token" => Some(json!({"id": "theta-token", "symbol": "theta", "name": "Theta Network", "current_price": 0.93, "market_cap": 929_341_277, "market_cap_rank": 121, "total_volume": 22_048_112, "price_change_percentage_24h": -1.7})),
            "audius" => Some(json!({"id": "audius", "symbol": "audio", "name": "Audius", "current_price": 0.0812, "market_cap": 98_871_004, "market_cap_rank": 598, "total_volume": 4_322_109, "price_change_percentage_24h": 2.6})),
            _ => None,
        })
        .collect();
    Value::Array(peers)
}

fn coinpaprika_ticker(f: &MarketFixture, started: time::OffsetDateTime) -> Value {
    let price = f.price_usd * 0.96;
    // Unlike CoinGecko (0 circulating, market cap 0), CoinPaprika counts the full supply.
    json!({
        "id": f.coinpaprika_id, "name": format!("POP Network Token{}", f.name_suffix), "symbol": "POP", "rank": 0,
        "circulating_supply": f.total_supply as u64,
        "total_supply": f.total_supply as u64, "max_supply": f.total_supply as u64, "beta_value": 0,
        "first_data_at": "2018-07-19T00:00:00Z", "last_updated": updated_at(f, started, false),
        "quotes": {"USD": {
            "price": price, "volume_24h": 61.2, "volume_24h_change_24h": -12.5,
            "market_cap": price * f.total_supply, "market_cap_change_24h": -2.9,
            "percent_change_15m": 0, "percent_change_30m": 0, "percent_change_1h": 0,
            "percent_change_6h": -0.4, "percent_change_12h": -1.1, "percent_change_24h": -2.9,
            "percent_change_7d": -9.3, "percent_change_30d": -21.0, "percent_change_1y": -74.2,
            "ath_price": 0.0312, "ath_date": "2018-07-21T12:00:00Z",
            "percent_from_price_ath": (price / 0.0312 - 1.0) * 100.0
        }}
    })
}

/// CoinPaprika's `/coins/{id}`: the coin and the contracts it lists.
fn coinpaprika_coin(f: &MarketFixture, id: &str, listed: Option<Address>) -> Value {
    let contracts: Vec<Value> = listed
        .map(
            |a| json!({"contract": format!("{a:#x}"), "platform": "eth-ethereum", "type": "ERC20"}),
        )
        .into_iter()
        .collect();
    json!({
        "id": id, "name": format!("POP Network Token{}", f.name_suffix), "symbol": "POP", "rank": 0,
        "is_new": false, "is_active": true, "type": "token",
        "contract": listed.map(|a| format!("{a:#x}")), "platform": listed.map(|_| "eth-ethereum"),
        "contracts": contracts, "first_data_at": "2018-07-19T00:00:00Z"
    })
}

/// The providers' `last_updated`: `updated_ago` before the server started, in CoinGecko's
/// (milliseconds) or CoinPaprika's (seconds) RFC 3339 spelling.
fn updated_at(f: &MarketFixture, started: time::OffsetDateTime, millis: bool) -> String {
    let at = started - f.updated_ago;
    let format = if millis {
        time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        )
    } else {
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")
    };
    at.format(&format).unwrap_or_default()
}

fn coinpaprika_peer(
    id: &str,
    name: &str,
    symbol: &str,
    price: f64,
    cap: f64,
    volume: f64,
    change: f64,
) -> Value {
    json!({
        "id": id, "name": name, "symbol": symbol, "rank": 120,
        "circulating_supply": cap / price, "total_supply": cap / price, "max_supply": cap / price,
        "last_updated": "2026-11-25T09:45:04Z",
        "quotes": {"USD": {"price": price, "volume_24h": volume, "market_cap": cap, "percent_change_24h": change}}
    })
}

fn dexscreener_pairs(f: &MarketFixture) -> Value {
    let Some((pair, liquidity)) = f.v2_pair else {
        return json!([]);
    };
    json!([{
        "chainId": "ethereum", "dexId": "uniswap",
        "url": format!("https://dexscreener.com/ethereum/{:#x}", pair),
        "pairAddress": pair.to_checksum(None), "labels": ["v2"],
        "baseToken": {"address": f.token.to_checksum(None), "name": format!("POP Network Token{}", f.name_suffix), "symbol": "POP"},
        "quoteToken": {"address": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "name": "Wrapped Ether", "symbol": "WETH"},
        "priceNative": format!("{:e}", f.price_usd / 3000.0),
        "priceUsd": format!("{:.10}", f.price_usd),
        "txns": {"m5": {"buys": 0, "sells": 0}, "h1": {"buys": 0, "sells": 0}, "h6": {"buys": 0, "sells": 0}, "h24": {"buys": 1, "sells": 2}},
        "volume": {"h24": 31.42, "h6": 0, "h1": 0, "m5": 0},
        "priceChange": {"h24": -2.31},
        "liquidity": {"usd": liquidity, "base": 300_000_000, "quote": 1},
        "fdv": f.price_usd * f.total_supply,
        "marketCap": f.price_usd * f.total_supply,
        "pairCreatedAt": 1_600_000_000_000u64
    }])
}
