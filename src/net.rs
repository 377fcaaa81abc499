//! The HTTP client the sources share.

use std::time::Duration;

/// An HTTP client with popwatch's user agent and `connect_timeout`. Build one and share it
/// (a `reqwest::Client` is a handle to one connection pool): each build loads the system's
/// root certificates, milliseconds that every start would pay once per source.
pub fn http_client(connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(same_origin_redirects())
        .user_agent(concat!("popwatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds with static settings")
}

/// Redirects are followed only within the same origin (scheme, host and port) and never from
/// https to http: an API key travels in a header (CoinGecko's), which reqwest would carry to
/// wherever a redirect points. A redirect elsewhere is not followed, and the request fails
/// with its 3xx status.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let next = attempt.url();
        let same_origin = attempt.previous().last().is_some_and(|previous| {
            previous.scheme() == next.scheme()
                && previous.host_str() == next.host_str()
                && previous.port_or_known_default() == next.port_or_known_default()
        });
        if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Why a body could not be read whole.
#[derive(Debug)]
pub enum BodyError {
    /// The answer is (or announces itself) larger than the cap: no honest answer is.
    TooLarge {
        limit: u64,
    },
    Read(reqwest::Error),
}

/// The whole body, up to `limit` bytes, copied chunk by chunk into one buffer sized from
/// Content-Length (collecting the chunks and joining them after would hold a large answer
/// twice). A body over the limit is dropped as soon as it passes it, so a server can never make
/// popwatch hold more than `limit` bytes of one answer; a Content-Length over it is refused
/// before a byte is read. The request's own timeout bounds the whole body, so a body that
/// trickles in a byte at a time fails at the timeout too.
pub async fn read_body_capped(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<bytes::Bytes, BodyError> {
    // A Content-Length is a hint, not a promise: it sizes the buffer only up to a bound.
    const PRESIZE_LIMIT: u64 = 8 * 1024 * 1024;
    let announced = response.content_length().unwrap_or(0);
    if announced > limit {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::with_capacity(announced.min(PRESIZE_LIMIT) as usize);
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

/// A byte count for messages: "32 MiB", "512 KiB", "100 B".
pub fn byte_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} B")
    }
}

/// Why a connection could not be made, told apart, with what to try: the host's name does not
/// resolve, nothing listens there, the TLS handshake failed, or another cause (the deepest
/// one, without the URL, which can carry a key).
pub fn connect_failure(error: &reqwest::Error) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut refused = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        causes.push(e.to_string());
        source = e.source();
    }
    let all = causes.join(": ").to_lowercase();
    let deepest = crate::format::sanitize(causes.last().map_or("unknown", String::as_str));
    if all.contains("dns error")
        || all.contains("failed to lookup address")
        || all.contains("name or service not known")
        || all.contains("no such host")
    {
        "DNS: the host's name does not resolve (check the URL and the network)".to_owned()
    } else if refused || all.contains("connection refused") {
        "connection refused: nothing listens there (check the URL and its port)".to_owned()
    } else if [
        "tls",
        "ssl",
        "certificate",
        "handshake",
        "received corrupt message",
        "peer sent",
        "alert",
    ]
    .iter()
    .any(|sign| all.contains(sign))
    {
        format!(
            "TLS handshake failed: {deepest} (check the URL's scheme and the host's certificate)"
        )
    } else {
        format!("connection failed: {deepest}")
    }
}
