//! The typed messages sources send. Adding a figure to popwatch means adding a variant here and
//! its arm in `AppState::apply`; nothing else writes state.

use time::OffsetDateTime;

use super::SourceName;

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
}
