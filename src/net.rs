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
