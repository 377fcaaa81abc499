//! The HTTP client the sources share.

use std::time::Duration;

/// An HTTP client with popwatch's user agent and `connect_timeout`. Build one and share it
/// (a `reqwest::Client` is a handle to one connection pool): each build loads the system's
/// root certificates, milliseconds that every start would pay once per source.
pub fn http_client(connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .user_agent(concat!("popwatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds with static settings")
}
