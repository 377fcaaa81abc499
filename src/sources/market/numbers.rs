//! Lenient reading of provider JSON: numbers may come as numbers, strings, exponent notation
//! (`1.054e-05`), `null`, or be missing. Anything else is unknown, never zero.

use serde_json::Value;

/// A finite number from a JSON value, whatever its spelling; `None` when absent or unreadable.
pub fn number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    n.is_finite().then_some(n)
}

/// A figure that cannot be 0 when known (a market cap, a circulating supply): providers write
/// 0 where they do not know it (CoinGecko's market cap of a coin whose circulating supply it
/// cannot count), so 0 is unknown, never "$0".
pub fn positive(value: Option<f64>) -> Option<f64> {
    value.filter(|v| *v > 0.0)
}

/// `value[a][b]...` as a number.
pub fn at(value: &Value, path: &[&str]) -> Option<f64> {
    number(dig(value, path)?)
}

pub fn dig<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

pub fn text(value: &Value, path: &[&str]) -> Option<String> {
    dig(value, path)?.as_str().map(crate::format::sanitize)
}

/// A provider's RFC 3339 time at `path`, as a time no later than `fetched_at` (a clock ahead
/// of ours, or a hostile date, cannot make figures look fresher than their fetch).
pub fn time_at(
    value: &Value,
    path: &[&str],
    fetched_at: time::OffsetDateTime,
) -> Option<time::OffsetDateTime> {
    let text = dig(value, path)?.as_str()?;
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(at.min(fetched_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_spelling_of_a_number() {
        assert_eq!(number(&json!(1.054e-05)), Some(1.054e-05));
        assert_eq!(number(&json!("1.2e-05")), Some(1.2e-05));
        assert_eq!(number(&json!("48897.0")), Some(48897.0));
        assert_eq!(number(&json!(48897)), Some(48897.0));
        assert_eq!(number(&json!(null)), None);
        assert_eq!(number(&json!("n/a")), None);
        assert_eq!(at(&json!({"a": {"usd": 3}}), &["a", "usd"]), Some(3.0));
        assert_eq!(at(&json!({"a": {}}), &["a", "usd"]), None);
        assert_eq!(positive(Some(0.0)), None, "0 is a provider's unknown");
        assert_eq!(positive(Some(-1.0)), None);
        assert_eq!(positive(Some(16_000.0)), Some(16_000.0));
    }

    #[test]
    fn a_providers_time_is_never_after_the_fetch() {
        let fetched = time::macros::datetime!(2026-12-01 12:00 UTC);
        let value = json!({"past": "2026-11-29T12:00:00.000Z", "future": "2030-01-01T00:00:00Z", "bad": "yesterday"});
        assert_eq!(
            time_at(&value, &["past"], fetched),
            Some(time::macros::datetime!(2026-11-29 12:00 UTC))
        );
        assert_eq!(time_at(&value, &["future"], fetched), Some(fetched));
        assert_eq!(time_at(&value, &["bad"], fetched), None);
        assert_eq!(time_at(&value, &["missing"], fetched), None);
    }
}
