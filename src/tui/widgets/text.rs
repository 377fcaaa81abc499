//! Helpers that turn figures into cells: unknown stays "—", privacy masks, sanitized text.

use crate::format::sanitize;

/// Shown for a figure that is not known.
pub const UNKNOWN: &str = "—";
/// Shown instead of a private figure.
pub const MASK: &str = "•••";

/// Untrusted text made safe, as every widget must show it.
pub fn safe(text: &str) -> String {
    sanitize(text)
}

pub fn or_unknown(value: Option<String>) -> String {
    value.unwrap_or_else(|| UNKNOWN.to_owned())
}

pub fn private(masked: bool, value: Option<String>) -> String {
    if masked {
        MASK.to_owned()
    } else {
        or_unknown(value)
    }
}

/// Cuts text to `width` characters with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
