//! Value types of the config whose parsing is itself validation: addresses with their EIP-55
//! checksum, RPC URLs (http/https only, secrets redacted when shown), secrets, whole-token amounts.
//! Errors raised while deserializing carry the value's span, so the loader can name line and key.

use std::fmt;

use alloy::primitives::{Address, U256};
use serde::{Deserialize, Deserializer, de};
use url::Url;

/// Parses `0x` + 40 hex digits. All-lowercase (or all-uppercase) hex is accepted as is; a
/// mixed-case address must pass its EIP-55 checksum, because mixed case *is* a checksum claim and
/// a failing one usually means a typo.
pub fn parse_address(text: &str) -> Result<Address, String> {
    let hex = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("`{text}` is not an address: it must start with 0x"))?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "`{text}` is not an address: expected 0x followed by 40 hex digits"
        ));
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        Address::parse_checksummed(text, None).map_err(|_| {
            format!(
                "`{text}` fails its EIP-55 checksum (mixed case): check it for a typo, \
                 or write it all-lowercase to skip the check"
            )
        })
    } else {
        text.parse::<Address>()
            .map_err(|e| format!("`{text}`: {e}"))
    }
}

/// Deserializes an [`Address`] through [`parse_address`].
pub fn deserialize_address<'de, D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
    let text = String::deserialize(d)?;
    parse_address(&text).map_err(de::Error::custom)
}

/// Deserializes an optional [`Address`] through [`parse_address`].
pub fn deserialize_opt_address<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Address>, D::Error> {
    let text = String::deserialize(d)?;
    parse_address(&text).map(Some).map_err(de::Error::custom)
}

/// A string that must never reach a log or the terminal (API keys).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself, for the one place that sends it (an HTTP header).
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "(none)" } else { "***" })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// An http(s) JSON-RPC endpoint. Providers put API keys in the path (`/v3/KEY`), the query
/// (`?apikey=`) or basic auth, so `Display` and `Debug` show only what cannot be a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct RpcUrl(Url);

impl RpcUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let url =
            Url::parse(text).map_err(|e| format!("`{}` is not a URL: {e}", redact_str(text)))?;
        match url.scheme() {
            "http" | "https" => {}
            other => {
                return Err(format!(
                    "RPC URL scheme `{other}` is not supported: use http:// or https://"
                ));
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("RPC URL has no host".to_owned());
        }
        let parsed = Self(url);
        if parsed.0.scheme() == "http" && parsed.has_secret() && !parsed.is_loopback() {
            return Err(format!(
                "{} carries a key over plain http, where anyone on the way can read it: use https:// (http:// is accepted for loopback only)",
                parsed.redacted()
            ));
        }
        Ok(parsed)
    }

    /// Whether the URL carries something that can be a key: credentials, a query, or a path
    /// segment or host label that looks like one.
    pub fn has_secret(&self) -> bool {
        let url = &self.0;
        !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.path().split('/').any(looks_secret)
            || secret_host_labels(url)
    }

    fn is_loopback(&self) -> bool {
        match self.0.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name == "localhost",
            None => false,
        }
    }

    /// The full URL, secrets included: only for the HTTP client.
    pub fn expose(&self) -> &Url {
        &self.0
    }

    /// The URL with credentials, long path segments and the query replaced by `***`.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let mut out = format!("{}://", url.scheme());
        if !url.username().is_empty() || url.password().is_some() {
            out.push_str("***@");
        }
        // Some providers put the key in a host label (`<key>.quiknode.pro`).
        match url.host() {
            Some(url::Host::Domain(name)) => {
                let labels: Vec<&str> = name
                    .split('.')
                    .map(|label| if looks_secret(label) { "***" } else { label })
                    .collect();
                out.push_str(&labels.join("."));
            }
            _ => out.push_str(url.host_str().unwrap_or("")),
        }
        if let Some(port) = url.port() {
            out.push_str(&format!(":{port}"));
        }
        let path = url.path();
        if path != "/" {
            for segment in path.split('/').skip(1) {
                out.push('/');
                out.push_str(if looks_secret(segment) {
                    "***"
                } else {
                    segment
                });
            }
        }
        if url.query().is_some() {
            out.push_str("?***");
        }
        if url.fragment().is_some() {
            out.push_str("#***");
        }
        out
    }
}

/// A path segment that could be an API key: long, or mixing letters and digits beyond a
/// version tag like `v2`. Short words (`eth`, `rpc`, `mainnet`) stay readable.
fn looks_secret(segment: &str) -> bool {
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    segment.len() >= 16 || (segment.len() > 4 && digits >= 2)
}

/// Whether a domain has a label that looks like a key.
fn secret_host_labels(url: &Url) -> bool {
    matches!(url.host(), Some(url::Host::Domain(name)) if name.split('.').any(looks_secret))
}

/// Redacts a string that failed to parse as a URL: only its scheme survives.
fn redact_str(text: &str) -> String {
    match text.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://***"),
        None => "***".to_owned(),
    }
}

impl fmt::Display for RpcUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for RpcUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RpcUrl({})", self.redacted())
    }
}

/// Marks an error about one element of an array: toml reports such errors with the span of the
/// whole array, so the element's index travels in the message and the loader moves the
/// location to that element.
pub(crate) const ELEMENT_MARK: &str = "\u{0}element ";

/// Splits `ELEMENT_MARK{i}: rest` into `(i, rest)`.
pub(crate) fn split_element_error(message: &str) -> Option<(usize, &str)> {
    let rest = message.strip_prefix(ELEMENT_MARK)?;
    let (index, rest) = rest.split_once(": ")?;
    Some((index.parse().ok()?, rest))
}

/// Deserializes a list of RPC URLs, naming the element that is wrong.
pub fn deserialize_rpc_urls<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RpcUrl>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .enumerate()
        .map(|(i, text)| {
            RpcUrl::parse(text).map_err(|e| de::Error::custom(format!("{ELEMENT_MARK}{i}: {e}")))
        })
        .collect()
}

impl<'de> Deserialize<'de> for RpcUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RpcUrl::parse(&text).map_err(de::Error::custom)
    }
}

/// A count of whole tokens (`"1600000000"`), written as a string because TOML integers stop at
/// 2^63 and supplies of 18-decimal tokens do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WholeTokens(pub U256);

impl WholeTokens {
    /// The amount in the token's smallest unit.
    pub fn to_raw(self, decimals: u8) -> Option<U256> {
        self.0
            .checked_mul(U256::from(10).checked_pow(U256::from(decimals))?)
    }
}

impl<'de> Deserialize<'de> for WholeTokens {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(i64),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(text) => text,
            Raw::Number(n) => n.to_string(),
        };
        let digits = text.replace('_', "");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(de::Error::custom(format!(
                "`{text}` is not a whole number of tokens (digits only, e.g. \"1600000000\")"
            )));
        }
        U256::from_str_radix(&digits, 10)
            .map(WholeTokens)
            .map_err(|_| de::Error::custom(format!("`{text}` is too large")))
    }
}
