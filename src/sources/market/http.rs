//! One provider's HTTP side: a cache with a lifetime per endpoint, the request budget, waiting
//! out `Retry-After`, and errors that are short and terminal-safe. The API key travels in a
//! header, never in a URL, so no error or log line can carry it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;

use super::budget::Budget;
use crate::config::Secret;
use crate::format::sanitize;
use crate::sources::chain::rpc::{excerpt, looks_html, retry_after_header};

/// The time source of caches and budgets: the real clock, or a manual one in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock tests move by hand.
pub struct ManualClock(Mutex<Instant>);

impl ManualClock {
    pub fn new() -> Self {
        Self(Mutex::new(Instant::now()))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("not poisoned") += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().expect("not poisoned")
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketError {
    /// 429 from the provider (until its Retry-After), or our own budget is spent.
    #[error("rate-limited until {}", crate::format::rfc3339(*until))]
    RateLimited { until: OffsetDateTime },
    #[error("answered an HTML page: {0}")]
    Html(String),
    #[error("malformed or truncated JSON: {0}")]
    Malformed(String),
    #[error("timed out")]
    Timeout,
    /// An answer larger than `market.max_response_mib`.
    #[error("answer larger than {}", crate::net::byte_size(*limit))]
    TooLarge { limit: u64 },
    /// The connection could not be made, and why (DNS, refused, TLS, other).
    #[error("{0}")]
    Connect(String),
    /// The request failed otherwise (a redirect refused, a body cut off).
    #[error("request failed: {0}")]
    Request(String),
    #[error("HTTP {status}: {excerpt}")]
    Http { status: u16, excerpt: String },
    /// The provider's own error object (`{"error": ".."}`).
    #[error("{0}")]
    Provider(String),
}

/// Where the API key goes.
#[derive(Debug, Clone)]
pub enum KeyHeader {
    None,
    Header(&'static str, Secret),
}

struct Cached {
    at: Instant,
    fetched_at: OffsetDateTime,
    value: Value,
}

/// An answer and when it was really fetched (earlier than now when it comes from the cache).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub value: Value,
    pub at: OffsetDateTime,
}

pub struct MarketHttp {
    client: reqwest::Client,
    base: String,
    key: KeyHeader,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    budget: Mutex<Budget>,
    cache: Mutex<HashMap<String, Cached>>,
    /// No two identical requests in flight: one lock per path.
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Until when the provider asked us to wait.
    blocked_until: Mutex<Option<(Instant, OffsetDateTime)>>,
    sent: std::sync::atomic::AtomicU64,
    /// The largest answer read.
    max_response_bytes: u64,
}

impl MarketHttp {
    pub fn new(
        client: reqwest::Client,
        base: &str,
        key: KeyHeader,
        per_minute: usize,
        timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            key,
            timeout,
            clock,
            budget: Mutex::new(Budget::new(per_minute)),
            cache: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
            blocked_until: Mutex::new(None),
            sent: std::sync::atomic::AtomicU64::new(0),
            max_response_bytes: crate::config::DEFAULT_MARKET_MAX_RESPONSE_MIB * 1024 * 1024,
        }
    }

    /// The same client with another cap on one answer's size.
    pub fn with_max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// HTTP requests sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// When the cached answer of `path` was fetched, if still fresh within `lifetime`.
    fn cached(&self, path: &str, lifetime: Duration) -> Option<Fetched> {
        let cache = self.cache.lock().expect("not poisoned");
        let entry = cache.get(path)?;
        (self.clock.now().duration_since(entry.at) < lifetime).then(|| Fetched {
            value: entry.value.clone(),
            at: entry.fetched_at,
        })
    }

    /// GETs `path` (relative to the base URL) as JSON, from the cache if younger than
    /// `lifetime`.
    pub async fn get(&self, path: &str, lifetime: Duration) -> Result<Fetched, MarketError> {
        if let Some(value) = self.cached(path, lifetime) {
            return Ok(value);
        }
        let lock = {
            let mut in_flight = self.in_flight.lock().expect("not poisoned");
            in_flight.entry(path.to_owned()).or_default().clone()
        };
        let _guard = lock.lock().await;
        // Another task may have fetched it while this one waited.
        if let Some(value) = self.cached(path, lifetime) {
            return Ok(value);
        }
        let mut retried = false;
        loop {
            if let Some((until, at)) = *self.blocked_until.lock().expect("not poisoned")
                && self.clock.now() < until
            {
                return Err(MarketError::RateLimited { until: at });
            }
            if let Err(next) = self
                .budget
                .lock()
                .expect("not poisoned")
                .try_take(self.clock.now())
            {
                let wait = next.duration_since(self.clock.now());
                return Err(MarketError::RateLimited {
                    until: OffsetDateTime::now_utc() + wait,
                });
            }
            match self.send(path).await {
                Ok(value) => {
                    let fetched_at = OffsetDateTime::now_utc();
                    self.cache.lock().expect("not poisoned").insert(
                        path.to_owned(),
                        Cached {
                            at: self.clock.now(),
                            fetched_at,
                            value: value.clone(),
                        },
                    );
                    return Ok(Fetched {
                        value,
                        at: fetched_at,
                    });
                }
                Err(Sent::RetryAfter(wait)) => {
                    let at = OffsetDateTime::now_utc() + wait;
                    *self.blocked_until.lock().expect("not poisoned") =
                        Some((self.clock.now() + wait, at));
                    // A short wait is waited out once; a long one leaves the source
                    // rate-limited rather than stalling whoever is waiting for figures.
                    if retried || wait > self.timeout {
                        return Err(MarketError::RateLimited { until: at });
                    }
                    tracing::debug!(path, ?wait, "rate-limited: waiting out Retry-After");
                    tokio::time::sleep(wait).await;
                    retried = true;
                }
                Err(Sent::Failed(e)) => return Err(e),
            }
        }
    }

    async fn send(&self, path: &str) -> Result<Value, Sent> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut request = self
            .client
            .get(format!("{}{path}", self.base))
            .timeout(self.timeout);
        if let KeyHeader::Header(name, key) = &self.key
            && !key.is_empty()
        {
            request = request.header(*name, key.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|e| Sent::Failed(classify(e)))?;
        let status = response.status();
        let retry_after = retry_after_header(response.headers());
        let body = crate::net::read_body_capped(response, self.max_response_bytes)
            .await
            .map_err(|e| {
                Sent::Failed(match e {
                    crate::net::BodyError::TooLarge { limit } => MarketError::TooLarge { limit },
                    crate::net::BodyError::Read(e) => classify(e),
                })
            })?;
        if status.as_u16() == 429 {
            return Err(Sent::RetryAfter(
                retry_after.unwrap_or(Duration::from_secs(60)),
            ));
        }
        if looks_html(&body) {
            return Err(Sent::Failed(MarketError::Html(format!(
                "HTTP {}: {}",
                status.as_u16(),
                excerpt(&body)
            ))));
        }
        let value: Result<Value, _> = serde_json::from_slice(&body);
        if !status.is_success() {
            let message = value
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str().map(sanitize)))
                .unwrap_or_else(|| excerpt(&body));
            // What to try, where the status says it.
            let hint = match status.as_u16() {
                401 | 403 => {
                    " (check the API key: [market] coingecko_api_key or POPWATCH_COINGECKO_API_KEY, and the plan its URL belongs to)"
                }
                404 => " (check the URL and the coin's id)",
                500..=599 => " (the provider's trouble: it is tried again at the next refresh)",
                _ => "",
            };
            return Err(Sent::Failed(MarketError::Http {
                status: status.as_u16(),
                excerpt: format!("{message}{hint}"),
            }));
        }
        let value = value.map_err(|e| {
            Sent::Failed(MarketError::Malformed(format!("{e}: {}", excerpt(&body))))
        })?;
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            return Err(Sent::Failed(MarketError::Provider(sanitize(error))));
        }
        Ok(value)
    }
}

enum Sent {
    RetryAfter(Duration),
    Failed(MarketError),
}

fn classify(e: reqwest::Error) -> MarketError {
    if e.is_timeout() {
        MarketError::Timeout
    } else if e.is_connect() {
        MarketError::Connect(crate::net::connect_failure(&e))
    } else if e.is_decode() {
        MarketError::Malformed(sanitize(&e.without_url().to_string()))
    } else {
        MarketError::Request(sanitize(&e.without_url().to_string()))
    }
}
