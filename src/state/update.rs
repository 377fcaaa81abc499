//! The typed messages sources send. Adding a figure to popwatch means adding a variant here and
//! its arm in `AppState::apply`; nothing else writes state.

use time::OffsetDateTime;

use super::SourceName;
use super::chain::ChainReading;
use super::exits::ExitReading;
use super::market::{MarketQuote, MarketVenue, Peer};

#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The watched wallets, as the config lists them now (it changed while the app ran).
    WalletsConfigured(Vec<crate::config::WalletConfig>),
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
    /// The last figures an earlier run recorded, shown (stale, with their age) until the
    /// sources answer: wallets' POP balances and each source's price, each with its time.
    Restored {
        balances: Vec<(
            alloy::primitives::Address,
            alloy::primitives::U256,
            OffsetDateTime,
        )>,
        prices: Vec<(SourceName, f64, OffsetDateTime)>,
    },
    /// The last block an earlier run's log scan processed: transfers after it happened while
    /// popwatch was not looking, and are reported one by one.
    ResumeFrom(u64),
    /// Portfolio values recorded by earlier runs (from the history store), oldest first.
    PortfolioHistory(Vec<(OffsetDateTime, Option<f64>, Option<f64>)>),
    /// Transfer and Approval history from the log scan.
    Logs(Box<super::transfers::LogReading>),
    /// The token's log index after an extension: what it holds and proves.
    Index(Box<super::transfers::IndexSummary>),
    /// Who holds the token, from the index and the top holders' balances.
    Holders(Box<super::holders::HoldersReading>),
    /// How far the extension under way has gone (`None`: it ended).
    IndexProgress(Option<crate::state::transfers::IndexProgress>),
    /// The extension failed (it resumes from what was committed at the next refresh).
    IndexFailed { error: String },
    /// The log scan failed this refresh (the balances may still be current); it resumes
    /// where it stopped at the next one.
    LogsFailed { error: String },
    /// Watched wallets' ENS reverse names, each verified forward (`None`: no name that
    /// resolves back to the address).
    EnsNames(Vec<(alloy::primitives::Address, Option<String>)>),
    /// The history store's writes failed (`Some`: why; a full disk, a locked file) or work
    /// again (`None`). The app runs on either way; what it shows is not being recorded.
    HistoryWrite { error: Option<String> },
    /// A source asked us to wait (429), or its request budget is spent, until `until`.
    SourceRateLimited {
        source: SourceName,
        until: OffsetDateTime,
    },
    /// Peer coins' figures from one provider.
    Peers {
        source: SourceName,
        peers: Vec<Peer>,
    },
    /// Where the coin trades, per one provider.
    Venues {
        source: SourceName,
        venues: Vec<MarketVenue>,
    },
    /// A provider's price history (oldest first), merged with local observations.
    PriceChart {
        source: SourceName,
        points: Vec<(OffsetDateTime, f64)>,
    },
    /// An RPC endpoint answered another chain id and is refused for good.
    EndpointRefused {
        endpoint: String,
        expected: u64,
        got: u64,
    },
}
