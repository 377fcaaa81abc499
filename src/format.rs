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

/// True for characters that must never reach a terminal from untrusted text: controls (they
/// start escape sequences: ESC, CSI as U+009B, OSC, ...), bidirectional overrides (they reorder
/// what is shown: U+202E makes an address read backwards), and invisible characters (zero-width
/// spaces and joiners, tags: they make two different names look the same).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (U+0080..=U+009F)
        || matches!(c,
            // Unicode's Default_Ignorable_Code_Point: characters a terminal draws as nothing,
            // so a name can hide text or pass for another.
            '\u{00AD}'                                 // soft hyphen
            | '\u{034F}'                               // combining grapheme joiner
            | '\u{061C}'                               // Arabic letter mark
            | '\u{115F}' | '\u{1160}'                  // Hangul choseong/jungseong fillers
            | '\u{17B4}' | '\u{17B5}'                  // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'                  // Mongolian variation selectors, vowel separator
            | '\u{200B}'..='\u{200F}'                  // zero-width space/joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}'                  // line/paragraph separators, embeddings, overrides
            | '\u{2060}'..='\u{206F}'                  // word joiner, invisible operators, isolates
            | '\u{3164}'                               // Hangul filler
            | '\u{FE00}'..='\u{FE0F}'                  // variation selectors
            | '\u{FEFF}'                                // zero-width no-break space (BOM)
            | '\u{FFA0}'                               // halfwidth Hangul filler
            | '\u{FFF0}'..='\u{FFFB}'                  // unassigned specials, interlinear annotations
            | '\u{1BCA0}'..='\u{1BCA3}'                // shorthand format controls
            | '\u{1D173}'..='\u{1D17A}'                // musical format controls
            | '\u{E0000}'..='\u{E0FFF}'                // tags, variation selectors supplement
        )
}

/// Untrusted text made safe where line breaks are wanted (tables of several lines).
pub fn sanitize_lines(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c != '\n' && is_unsafe_char(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// JSON text with every character a terminal could act on written as a `\uXXXX` escape.
/// serde_json escapes C0 controls inside strings but leaves C1 (U+009B is a CSI), bidi and
/// zero-width characters raw; escaped, the JSON means the same and prints harmlessly.
/// Whitespace between tokens (newlines of pretty output) stays.
pub fn escape_json_unsafe(json: &str) -> std::borrow::Cow<'_, str> {
    // Printable ASCII and line breaks need nothing (a snapshot of 1,000 wallets is 4 MB of
    // them): checked bytewise, without building a copy.
    if json
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n')
    {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if matches!(c, '\n' | '\r' | '\t') || !is_unsafe_char(c) {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A raw token amount with `decimals` as a decimal string, trimmed of trailing zeros and cut to
/// at most `max_fraction` fractional digits (rounded down: a balance is never shown larger). A
/// non-zero amount that the cut would show as 0 is shown as below the smallest step
/// (`<0.000001`), never as 0.
pub fn token_amount(raw: U256, decimals: u8, max_fraction: usize) -> String {
    let shown = token_amount_cut(raw, decimals, max_fraction);
    if !raw.is_zero() && shown == "0" {
        return match max_fraction.min(usize::from(decimals)) {
            0 => "<1".to_owned(),
            places => format!("<0.{}1", "0".repeat(places - 1)),
        };
    }
    shown
}

fn token_amount_cut(raw: U256, decimals: u8, max_fraction: usize) -> String {
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

/// Dollars in a few characters: `$1.23M`, `$4.56k`, `$12.34`, `$0.00001234`.
pub fn usd(value: f64) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let v = value.abs();
    let body = if v >= 1e9 {
        format!("{:.2}B", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else if v == 0.0 {
        "0".to_owned()
    } else if v >= 0.01 {
        format!("{v:.4}")
    } else {
        // Four significant digits of a tiny price.
        let digits = (-v.log10().floor()) as usize + 3;
        format!("{v:.digits$}")
    };
    format!("{sign}${body}")
}

/// [`usd`] in at most `width` characters, for a table cell: never cut mid-figure, never a
/// non-zero shown as 0, never shown larger than it is. A tiny value that does not fit becomes
/// the bound it is below (`<$0.0001`), or its leading digits rounded down; a large one loses
/// its cents, then takes a unit.
pub fn usd_within(value: f64, width: usize) -> String {
    let full = usd(value);
    if full.chars().count() <= width || !value.is_finite() {
        return full;
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let v = value.abs();
    let candidates: Vec<String> = if v < 1.0 {
        let mut out = Vec::new();
        // The digits that fit, rounded down, while they are not all zero.
        let places = width.saturating_sub(3 + sign.len());
        let scale = 10f64.powi(i32::try_from(places).unwrap_or(i32::MAX));
        let down = (v * scale).floor();
        if down >= 1.0 {
            out.push(format!("{sign}${:.places$}", down / scale));
        }
        // Else the bound it is below.
        let places = width.saturating_sub(4 + sign.len()).max(1);
        out.push(format!("{sign}<$0.{}1", "0".repeat(places - 1)));
        out
    } else {
        let unit = |scale: f64, suffix: &str| {
            let whole = (v / scale).floor();
            format!("{sign}${whole:.0}{suffix}")
        };
        vec![
            format!("{sign}${:.0}", v.floor()),
            unit(1e3, "k"),
            unit(1e6, "M"),
            unit(1e9, "B"),
        ]
    };
    candidates
        .into_iter()
        .find(|c| c.chars().count() <= width)
        .unwrap_or(full)
}

/// [`compact_amount`] in at most `width` characters: fewer decimals (rounded down) where the
/// full figure does not fit; a non-zero amount never becomes 0.
pub fn compact_amount_within(raw: U256, decimals: u8, width: usize) -> String {
    let full = compact_amount(raw, decimals);
    if full.chars().count() <= width {
        return full;
    }
    // Units on the integer itself: an f64 of a large balance can round up past a unit's
    // boundary, and a figure here is never shown larger than it is.
    let whole = U256::from(10u8)
        .checked_pow(U256::from(decimals))
        .map_or(U256::ZERO, |unit| raw / unit);
    let unit = |zeros: u8, suffix: &str| {
        format!(
            "{}{suffix}",
            whole / U256::from(10u8).pow(U256::from(zeros))
        )
    };
    (0..4)
        .rev()
        .map(|places| token_amount(raw, decimals, places))
        .chain([unit(3, "k"), unit(6, "M"), unit(9, "B"), unit(12, "T")])
        .chain(std::iter::once_with(|| {
            // Past trillions (only a hostile token answers such balances): 9e17, its first
            // digit and the rest dropped.
            let digits = whole.to_string();
            format!("{}e{}", &digits[..1], digits.len() - 1)
        }))
        .find(|c| c.chars().count() <= width)
        .unwrap_or(full)
}

/// A provider's count (a supply, in whole tokens) in at most `width` characters: whole, or
/// rounded down to a unit (`1600M`), never cut.
pub fn count_within(value: f64, width: usize) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let whole = format!("{:.0}", value.floor());
    if whole.chars().count() <= width {
        return whole;
    }
    // The first unit that leaves at most four digits (1600M, not 1600000k).
    [(1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")]
        .into_iter()
        .filter(|(scale, _)| (value / scale).abs() < 1e4)
        .map(|(scale, suffix)| format!("{:.0}{suffix}", (value / scale).floor()))
        .find(|c| c.chars().count() <= width)
        .unwrap_or_else(|| {
            let exponent = value.abs().log10().floor();
            format!(
                "{:.0}e{exponent:.0}",
                (value / 10f64.powf(exponent)).floor()
            )
        })
}

/// A whole-token amount in a few characters: `400.0M`, `12.3k`, `0.5`, `<0.0001`.
pub fn compact_amount(raw: U256, decimals: u8) -> String {
    let whole = f64::from(raw) / 10f64.powi(i32::from(decimals));
    if raw.is_zero() {
        "0".to_owned()
    } else if whole >= 1e9 {
        format!("{:.2}B", whole / 1e9)
    } else if whole >= 1e6 {
        format!("{:.1}M", whole / 1e6)
    } else if whole >= 1e4 {
        format!("{:.1}k", whole / 1e3)
    } else if whole >= 0.0001 {
        token_amount(raw, decimals, 4)
    } else {
        "<0.0001".to_owned()
    }
}

/// Signed wei as ETH with up to 6 decimals (`-0.004862`).
pub fn signed_eth(wei: alloy::primitives::I256) -> String {
    let sign = if wei.is_negative() { "-" } else { "" };
    format!("{sign}{}", token_amount(wei.unsigned_abs(), 18, 6))
}

/// An age in one unit: `42s`, `5m`, `3h`, `12d`.
pub fn age(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// A fraction (a share of the supply) as a percentage; `—` where it is unknown.
pub fn fraction_pct(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_owned(), |v| pct(v * 100.0))
}

/// A percentage with one decimal, or two under 1%.
pub fn pct(value: f64) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let v = value.abs();
    // Never a non-zero shown as 0, nor a value rounded onto 100% that is not 100%: both are
    // bounds a reader takes literally ("no impact", "everything lost").
    if v > 0.0 && v < 0.005 {
        return format!("{sign}<0.01%");
    }
    if (99.95..100.0).contains(&v) {
        return format!("{sign}99.9%");
    }
    if v < 1.0 {
        format!("{sign}{v:.2}%")
    } else {
        format!("{sign}{v:.1}%")
    }
}

/// EIP-55 addresses shortened to `0xAbCd…1234`, with as many digits on each side as it takes
/// for every watched address to stay distinct (at least 4).
pub fn short_addresses(addresses: &[alloy::primitives::Address]) -> Vec<String> {
    let full: Vec<String> = addresses.iter().map(|a| a.to_checksum(None)).collect();
    for n in 4..=20 {
        let short: Vec<String> = full
            .iter()
            .map(|a| format!("{}…{}", &a[..2 + n], &a[a.len() - n..]))
            .collect();
        let mut unique = short.clone();
        unique.sort();
        unique.dedup();
        if unique.len() == short.len() {
            return short;
        }
    }
    full
}

/// RFC 3339 UTC, the time format of every JSON output.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Serializes a time as RFC 3339 UTC, the form of every time in popwatch's machine output
/// (`#[serde(serialize_with = "...")]`); inside, times stay `OffsetDateTime`.
pub fn serialize_rfc3339<S: serde::Serializer>(
    at: &time::OffsetDateTime,
    out: S,
) -> Result<S::Ok, S::Error> {
    out.serialize_str(&rfc3339(*at))
}

/// [`serialize_rfc3339`] of a time that may be unknown (`null`).
pub fn serialize_rfc3339_opt<S: serde::Serializer>(
    at: &Option<time::OffsetDateTime>,
    out: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize_rfc3339(at, out),
        None => out.serialize_none(),
    }
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
    fn json_escapes_keep_the_meaning_and_drop_the_danger() {
        let hostile = "a\u{9b}31m\u{202e}b\u{200b}c\u{E0041}\u{1b}]0;x\u{7}";
        let json = serde_json::to_string(&serde_json::json!({ "name": hostile })).unwrap();
        assert!(json.contains('\u{9b}'), "serde_json leaves C1 raw");
        let escaped = escape_json_unsafe(&json);
        assert!(!escaped.chars().any(is_unsafe_char), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["name"], hostile, "the same JSON value");
        let pretty = serde_json::to_string_pretty(&serde_json::json!({ "a": 1 })).unwrap();
        assert_eq!(escape_json_unsafe(&pretty), pretty);
    }

    #[test]
    fn compact_figures() {
        assert_eq!(usd(1_234_567.0), "$1.23M");
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(usd(0.00001234), "$0.00001234");
        assert_eq!(usd(-5.0), "-$5.00");
        assert_eq!(age(42), "42s");
        assert_eq!(age(3 * 86_400 + 5), "3d");
        let pop = U256::from(400_000_000u64) * U256::from(10u64).pow(U256::from(18));
        assert_eq!(compact_amount(pop, 18), "400.0M");
        assert_eq!(
            compact_amount(U256::from(5u64) * U256::from(10u64).pow(U256::from(17)), 18),
            "0.5"
        );
    }

    #[test]
    fn short_addresses_stay_distinct() {
        use alloy::primitives::Address;
        let a: Address = "0x1111111111111111111111111111111111111111"
            .parse()
            .unwrap();
        let b: Address = "0x1111100000000000000000000000000000011111"
            .parse()
            .unwrap();
        let short = short_addresses(&[a, b]);
        assert_ne!(short[0], short[1]);
        assert!(short[0].len() > "0x1111…1111".len());
        let alone = short_addresses(&[a]);
        assert_eq!(alone[0], "0x1111…1111");
    }

    #[test]
    fn percentages_never_round_onto_zero_or_a_hundred() {
        assert_eq!(pct(0.0), "0.00%");
        assert_eq!(pct(0.001), "<0.01%");
        assert_eq!(pct(-0.001), "-<0.01%");
        assert_eq!(pct(99.97), "99.9%");
        assert_eq!(pct(-99.99), "-99.9%");
        assert_eq!(pct(100.0), "100.0%");
        assert_eq!(pct(57.07), "57.1%");
        assert_eq!(pct(0.33), "0.33%");
        assert_eq!(pct(f64::NAN), "—");
    }

    proptest::proptest! {
        /// A figure made to fit a cell fits it, says the value it is (or a true bound), and
        /// never shows a non-zero as 0.
        #[test]
        fn a_fitted_dollar_figure_fits_and_tells_the_truth(
            mantissa in 1.0f64..10.0,
            exponent in -14i32..12,
            negative: bool,
            width in 8usize..14,
        ) {
            let value = mantissa * 10f64.powi(exponent) * if negative { -1.0 } else { 1.0 };
            let shown = usd_within(value, width);
            proptest::prop_assert!(shown.chars().count() <= width, "{value}: {shown}");
            let magnitude = shown.trim_start_matches('-');
            if let Some(bound) = magnitude.strip_prefix("<$") {
                let bound: f64 = bound.parse().unwrap();
                proptest::prop_assert!(value.abs() < bound, "{value}: {shown}");
            } else {
                let body = magnitude.trim_start_matches('$');
                let (number, scale) = match body.chars().last() {
                    Some('k') => (&body[..body.len() - 1], 1e3),
                    Some('M') => (&body[..body.len() - 1], 1e6),
                    Some('B') => (&body[..body.len() - 1], 1e9),
                    _ => (body, 1.0),
                };
                let number: f64 = number.parse().unwrap();
                proptest::prop_assert!(number > 0.0, "a non-zero shown as 0: {value}: {shown}");
                let decimals = number_decimals(body);
                // Rounded to its last digit shown at most (usd rounds; the fitting rounds down).
                let step = 10f64.powi(-(decimals as i32)) * scale;
                proptest::prop_assert!(
                    (number * scale - value.abs()).abs() <= step * 1.0000001,
                    "{value}: {shown}"
                );
            }
        }

        #[test]
        fn a_fitted_amount_fits_and_is_never_zero(
            raw in proptest::num::u128::ANY,
            width in 7usize..12,
        ) {
            let raw = U256::from(raw);
            let shown = compact_amount_within(raw, 18, width);
            proptest::prop_assert!(shown.chars().count() <= width, "{raw}: {shown}");
            if !raw.is_zero() {
                proptest::prop_assert_ne!(shown.as_str(), "0");
            }
        }
    }

    /// Digits after the decimal point of a shown figure (units aside).
    fn number_decimals(body: &str) -> usize {
        body.trim_end_matches(['k', 'M', 'B'])
            .split('.')
            .nth(1)
            .map_or(0, str::len)
    }

    #[test]
    fn figures_fitted_to_a_cell() {
        // Cut to 9 characters, 0.000000166 would read "$0.000000": a false zero.
        assert_eq!(usd_within(0.000_000_166, 9), "<$0.00001");
        assert_eq!(usd_within(0.000_016_6, 9), "$0.000016");
        assert_eq!(usd_within(-0.000_000_166, 9), "-<$0.0001");
        assert_eq!(usd_within(4407.25, 9), "$4407.25");
        assert_eq!(usd_within(-12_345.0, 6), "-$12k");
        // 1,234.5678 POP in 9 characters: decimals dropped, rounded down.
        let pop = U256::from(12_345_678u64) * U256::from(10u64).pow(U256::from(14));
        assert_eq!(compact_amount(pop, 18), "1,234.5678");
        assert_eq!(compact_amount_within(pop, 18, 9), "1,234.567");
    }

    #[test]
    fn counts_fit_their_cell_rounded_down() {
        assert_eq!(count_within(1.6e9, 12), "1600000000");
        assert_eq!(count_within(1.6e9, 8), "1600M");
        assert_eq!(count_within(123_456_789_999.0, 5), "123B");
        assert_eq!(count_within(0.0, 8), "0");
        assert_eq!(count_within(f64::NAN, 8), "—");
    }

    #[test]
    fn token_amounts_round_down_and_group() {
        let pop = U256::from(1_600_000_000u64) * U256::from(10u64).pow(U256::from(18));
        assert_eq!(token_amount(pop, 18, 4), "1,600,000,000");
        // A non-zero amount is never shown as 0: below the smallest step shown.
        assert_eq!(token_amount(U256::from(1u8), 18, 4), "<0.0001");
        assert_eq!(token_amount(U256::from(1u8), 18, 0), "<1");
        assert_eq!(
            token_amount(U256::from(1u8), 18, 18),
            "0.000000000000000001"
        );
        assert_eq!(token_amount(U256::from(123_456_789u64), 3, 2), "123,456.78");
        assert_eq!(token_amount(U256::ZERO, 18, 4), "0");
    }
}
