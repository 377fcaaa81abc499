//! Where sources disagree: per figure, every source's value, the spread (max / min), and the
//! outliers. Pure. A provider's market cap or supply of 0 is shown, not hidden: it is often
//! the disagreement itself (one provider says 0 circulating, another the full supply).

/// One figure across sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub figure: &'static str,
    pub values: Vec<(String, f64)>,
    /// max / min over the non-zero values; `None` with fewer than two of them.
    pub spread: Option<f64>,
    /// Sources more than `tolerance` away from the median (zeros among non-zeros included).
    pub outliers: Vec<String>,
}

/// Compares `values` of one figure; `tolerance` is a fraction (0.2 = 20%).
pub fn compare(figure: &'static str, values: Vec<(String, f64)>, tolerance: f64) -> Disagreement {
    let mut positive: Vec<f64> = values
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| *v > 0.0)
        .collect();
    positive.sort_by(f64::total_cmp);
    let spread = (positive.len() >= 2).then(|| positive[positive.len() - 1] / positive[0]);
    let median = positive.get(positive.len() / 2).copied();
    let outliers = values
        .iter()
        .filter(|(_, v)| match median {
            Some(m) => *v <= 0.0 || (v - m).abs() / m > tolerance,
            None => false,
        })
        .map(|(s, _)| s.clone())
        .collect();
    Disagreement {
        figure,
        values,
        spread,
        outliers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_circulating_at_one_provider_is_an_outlier_and_the_spread_ignores_it() {
        let d = compare(
            "circulating_supply",
            vec![("coingecko".into(), 0.0), ("coinpaprika".into(), 1.6e9)],
            0.2,
        );
        assert_eq!(d.spread, None);
        assert_eq!(d.outliers, ["coingecko"]);
        let d = compare(
            "price",
            vec![("a".into(), 1.0), ("b".into(), 1.1), ("c".into(), 2.0)],
            0.2,
        );
        assert_eq!(d.spread, Some(2.0));
        assert_eq!(d.outliers, ["c"]);
    }
}
