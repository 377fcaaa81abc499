//! One HTTP exchange with one endpoint, and what went wrong with it, classified so the client
//! can decide: retry here, or fail over to the next endpoint.

use std::time::Duration;

use bytes::Bytes;
use time::OffsetDateTime;

use crate::format::sanitize;

/// Why one HTTP exchange did not produce a usable JSON-RPC answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The connection could not be made, and why (DNS, refused, TLS, other).
    #[error("{0}")]
    Connect(String),
    /// The connection was reset or closed before the answer was complete.
    #[error("connection dropped: {0}")]
    Dropped(String),
    /// HTTP 429, or a JSON-RPC "limit exceeded" (-32005) inside an HTTP 200.
    #[error("rate-limited{}", retry_after.map(|d| format!(" (retry after {d:?})")).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    #[error("HTTP {status}: {excerpt}")]
    Server { status: u16, excerpt: String },
    /// A refusal (4xx), with the start of its body: a provider's "daily credit limit" or
    /// "invalid API key" says more than the status.
    #[error("HTTP {status}: {excerpt}")]
    Http { status: u16, excerpt: String },
    /// An HTML page where JSON was expected (a proxy error page, a Cloudflare challenge).
    #[error("answered HTML, not JSON: {0}")]
    Html(String),
    /// JSON that does not parse: cut off, or not JSON at all.
    #[error("malformed or truncated JSON: {0}")]
    Malformed(String),
    /// An answer larger than the configured cap (`chain.max_response_mib`).
    #[error("answer larger than {}", crate::net::byte_size(*limit))]
    TooLarge { limit: u64 },
    #[error("{0}")]
    Other(String),
}

impl Fault {
    /// What the user can do about it, where the fault says (a connect failure's message
    /// already says what to check).
    pub fn what_to_try(&self) -> Option<&'static str> {
        Some(match self {
            Fault::Timeout(_) => {
                "the endpoint is slow or unreachable: raise [chain] timeout_secs, or add another endpoint to [chain] rpc_urls"
            }
            Fault::RateLimited { .. } => {
                "the provider's rate limit: popwatch waits as asked; a keyed URL or another endpoint in [chain] rpc_urls avoids it"
            }
            Fault::Http {
                status: 401 | 403, ..
            } => {
                "check the key in the URL (POPWATCH_RPC_URLS keeps it out of the file), or use another endpoint"
            }
            Fault::Http { status: 402, .. } => {
                "the plan's limit is spent: wait until it resets, or add another endpoint to [chain] rpc_urls"
            }
            Fault::Http {
                status: 404 | 405, ..
            } => "check the URL's path (a provider's URL usually ends with a project id or key)",
            Fault::Http { excerpt, .. }
                if ["limit", "quota", "credit", "exceeded"]
                    .iter()
                    .any(|w| excerpt.to_lowercase().contains(w)) =>
            {
                "the provider's limit: wait until it resets, or add another endpoint to [chain] rpc_urls"
            }
            Fault::Http { .. } => "check the URL, or use another endpoint",
            Fault::Server { .. } | Fault::Dropped(_) => {
                "the provider's trouble: tried again at the next refresh; another endpoint in [chain] rpc_urls avoids it"
            }
            Fault::Html(_) => {
                "a gateway's page, not a node: check the URL, or use another endpoint"
            }
            Fault::TooLarge { .. } => {
                "raise [chain] max_response_mib, or lower [chain] logs_chunk_blocks"
            }
            Fault::Malformed(_) => {
                "the endpoint does not answer JSON-RPC properly: check the URL, or use another endpoint"
            }
            Fault::Connect(_) | Fault::Other(_) => return None,
        })
    }

    /// Worth trying the same endpoint again after a pause.
    pub fn is_retryable_here(&self) -> bool {
        matches!(self, Fault::RateLimited { .. })
            || matches!(self, Fault::Server { status, .. } if *status >= 500)
    }
}

/// A short, terminal-safe excerpt of a body for an error message.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The first 200 characters: enough for a provider's "daily credit limit" or "invalid
    // API key" to come through.
    let cut: String = flat.chars().take(200).collect();
    let more = if flat.chars().count() > 200 {
        "…"
    } else {
        ""
    };
    format!("{}{more}", sanitize(&cut))
}

/// The longest wait popwatch takes from a server (a `Retry-After`, a backoff hint): a day. A
/// server asking for more is believed only this far, so no answer can make time arithmetic
/// overflow or silence a source for good.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(86_400);

/// A wait a server asked for, in seconds as it sent them: clamped to [`MAX_SERVER_WAIT`];
/// `None` for what is not a wait at all (negative, not a number).
pub fn server_wait_secs(secs: f64) -> Option<Duration> {
    if secs.is_nan() || secs < 0.0 {
        return None; // negative or NaN
    }
    Some(Duration::try_from_secs_f64(secs).map_or(MAX_SERVER_WAIT, |d| d.min(MAX_SERVER_WAIT)))
}

/// `Retry-After` as delay-seconds or as an HTTP date, relative to `now`; at most
/// [`MAX_SERVER_WAIT`].
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Delay-seconds, however many digits: past u64 it is past a day too.
        return Some(value.parse::<u64>().map_or(MAX_SERVER_WAIT, |secs| {
            Duration::from_secs(secs).min(MAX_SERVER_WAIT)
        }));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    let delta = at - now;
    Some(if delta.is_negative() {
        Duration::ZERO
    } else {
        delta.unsigned_abs().min(MAX_SERVER_WAIT)
    })
}

/// The `Retry-After` header of a response, in either form, from now.
pub fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, OffsetDateTime::now_utc()))
}

/// POSTs `body` and returns the response body if it is JSON-looking and the status is 2xx, no
/// larger than `limit` bytes and whole within `timeout`.
pub async fn post_json(
    client: &reqwest::Client,
    url: &url::Url,
    body: Bytes,
    timeout: Duration,
    limit: u64,
) -> Result<Bytes, Fault> {
    let response = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .timeout(timeout)
        .body(body)
        .send()
        .await
        .map_err(|e| classify_reqwest(e, timeout))?;
    let status = response.status();
    let retry_after = retry_after_header(response.headers());
    let body = read_body(response, timeout, limit).await?;
    if status.as_u16() == 429 {
        return Err(Fault::RateLimited { retry_after });
    }
    // An HTML page (a gateway's error page, a Cloudflare challenge) will not turn into JSON
    // within a retry's pause: fail over at once, whatever the status.
    if looks_html(&body) {
        return Err(Fault::Html(format!(
            "HTTP {}: {}",
            status.as_u16(),
            excerpt(&body)
        )));
    }
    if status.is_server_error() {
        return Err(Fault::Server {
            status: status.as_u16(),
            excerpt: excerpt(&body),
        });
    }
    if !status.is_success() {
        return Err(Fault::Http {
            status: status.as_u16(),
            excerpt: excerpt(&body),
        });
    }
    Ok(body)
}

async fn read_body(
    response: reqwest::Response,
    timeout: Duration,
    limit: u64,
) -> Result<Bytes, Fault> {
    crate::net::read_body_capped(response, limit)
        .await
        .map_err(|e| match e {
            crate::net::BodyError::TooLarge { limit } => Fault::TooLarge { limit },
            crate::net::BodyError::Read(e) => classify_reqwest(e, timeout),
        })
}

/// Whether a body is an HTML page (a gateway's error page, a Cloudflare challenge).
pub fn looks_html(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
}

/// reqwest errors without their URL (which can carry an API key).
fn classify_reqwest(error: reqwest::Error, timeout: Duration) -> Fault {
    if error.is_timeout() {
        Fault::Timeout(timeout)
    } else if error.is_connect() {
        Fault::Connect(crate::net::connect_failure(&error))
    } else if let Some(io) = io_cause(&error).filter(|io| {
        use std::io::ErrorKind::*;
        matches!(
            io.kind(),
            ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
        )
    }) {
        Fault::Dropped(sanitize(&io.to_string()))
    } else if error.is_body() || error.is_decode() {
        Fault::Malformed(sanitize(&error.without_url().to_string()))
    } else {
        // reqwest's own message ("error sending request") says little; its cause says why.
        let cause = deepest_cause(&error);
        Fault::Other(sanitize(&format!("{}: {cause}", error.without_url())))
    }
}

/// The I/O error under a reqwest error, if one caused it.
fn io_cause(error: &reqwest::Error) -> Option<&std::io::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        source = e.source();
    }
    None
}

fn deepest_cause(error: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = error;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = datetime!(2026-11-25 10:00:00 UTC);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 10:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 09:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn a_server_never_makes_popwatch_wait_more_than_a_day() {
        let now = datetime!(2026-11-25 10:00:00 UTC);
        for absurd in [
            "86401",
            "18446744073709551615",
            "99999999999999999999999999",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(
                parse_retry_after(absurd, now),
                Some(MAX_SERVER_WAIT),
                "{absurd}"
            );
        }
        assert_eq!(server_wait_secs(1.5), Some(Duration::from_millis(1500)));
        assert_eq!(server_wait_secs(1e300), Some(MAX_SERVER_WAIT));
        assert_eq!(server_wait_secs(f64::INFINITY), Some(MAX_SERVER_WAIT));
        assert_eq!(server_wait_secs(-1.0), None);
        assert_eq!(server_wait_secs(f64::NAN), None);
    }

    #[test]
    fn excerpts_are_short_and_terminal_safe() {
        let e = excerpt(b"<html>\x1b[31m  bad\n gateway </html>");
        assert!(!e.contains('\x1b'));
        assert!(e.starts_with("<html>"));
        assert!(excerpt(&[b'x'; 500]).chars().count() <= 201);
    }
}
