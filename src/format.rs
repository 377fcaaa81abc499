//! Turning values into text for people: untrusted strings made safe for a terminal, amounts,
//! ages. Token amounts stay integers until here.

use alloy::primitives::U256;

/// Makes untrusted text (token names, API strings, labels) safe for a terminal or a log line:
/// C0 and C1 control characters, DEL, and bidirectional overrides/isolates (which can make
/// `USDC` display as something else) are each replaced by U+FFFD, so tampering stays visible
/// but can never drive the terminal.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if is_unsafe_char(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// True for characters that must never reach a terminal from untrusted text.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (U+0080..=U+009F)
        || matches!(c,
            '\u{061C}' | '\u{200E}' | '\u{200F}'      // Arabic letter mark, LRM, RLM
            | '\u{202A}'..='\u{202E}'                  // embeddings and overrides
            | '\u{2066}'..='\u{2069}'                  // isolates
        )
}

/// A raw token amount with `decimals` as a decimal string, trimmed of trailing zeros and cut to
/// at most `max_fraction` fractional digits (rounded down: a balance is never shown larger).
pub fn token_amount(raw: U256, decimals: u8, max_fraction: usize) -> String {
    let digits = raw.to_string();
    let decimals = usize::from(decimals);
    let (int, frac) = if digits.len() > decimals {
        let (i, f) = digits.split_at(digits.len() - decimals);
        (i.to_owned(), f.to_owned())
    } else {
        ("0".to_owned(), format!("{digits:0>decimals$}"))
    };
    let frac: String = frac.chars().take(max_fraction).collect();
    let frac = frac.trim_end_matches('0');
    let int = group_thousands(&int);
    if frac.is_empty() {
        int
    } else {
        format!("{int}.{frac}")
    }
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// RFC 3339 UTC, the time format of every JSON output.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_replaces_control_c1_and_bidi() {
        let hostile = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}USDC";
        let clean = sanitize(hostile);
        assert!(!clean.chars().any(is_unsafe_char), "{clean:?}");
        assert!(clean.ends_with("USDC"));
        assert_eq!(sanitize("POP Network Token"), "POP Network Token");
    }

    #[test]
    fn token_amounts_round_down_and_group() {
        let pop = U256::from(1_600_000_000u64) * U256::from(10u64).pow(U256::from(18));
        assert_eq!(token_amount(pop, 18, 4), "1,600,000,000");
        assert_eq!(token_amount(U256::from(1u8), 18, 4), "0");
        assert_eq!(
            token_amount(U256::from(1u8), 18, 18),
            "0.000000000000000001"
        );
        assert_eq!(token_amount(U256::from(123_456_789u64), 3, 2), "123,456.78");
        assert_eq!(token_amount(U256::ZERO, 18, 4), "0");
    }
}
