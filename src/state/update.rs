//! The typed messages sources send. Adding a figure to popwatch means adding a variant here and
//! its arm in `AppState::apply`; nothing else writes state.

use time::OffsetDateTime;

use super::SourceName;
use super::chain::ChainReading;
use super::exits::ExitReading;
use super::market::MarketQuote;

#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A source finished a refresh successfully at `at`.
    SourceOk {
        source: SourceName,
        at: OffsetDateTime,
    },
    /// A source's refresh failed; the reason is shown to the user (already sanitized and
    /// redacted by the source).
    SourceFailed { source: SourceName, error: String },
    /// This build cannot read the source at all.
    SourceUnavailable { source: SourceName, reason: String },
    /// One refresh of the chain (also the Chainlink feed read with it).
    ChainRead(Box<ChainReading>),
    /// Pools, quotes and exits computed from one chain refresh.
    Exits(Box<ExitReading>),
    /// One market source's figures.
    Market {
        source: SourceName,
        quote: Box<MarketQuote>,
    },
    /// An RPC endpoint answered another chain id and is refused for good.
    EndpointRefused {
        endpoint: String,
        expected: u64,
        got: u64,
    },
}
