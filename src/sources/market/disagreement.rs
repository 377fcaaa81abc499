//! Where sources disagree: per figure, every source's value, the spread (max / min), and the
//! outliers. Pure. The parsers read a provider's market cap or circulating supply of 0 as
//! unknown; other zeros are shown, not hidden.

/// One figure across sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub figure: &'static str,
    pub values: Vec<(String, f64)>,
    /// max / min over the non-zero values; `None` with fewer than two of them.
    pub spread: Option<f64>,
    /// Whether the sources differ by more than the tolerance (whoever is right).
    pub disagree: bool,
    /// Sources away from a strict majority that agrees within `tolerance`. With no such
    /// majority (two sources that differ, three that all do) nobody is singled out: which one
    /// is wrong is not known.
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
    let agrees = |center: f64, v: f64| v > 0.0 && (v - center).abs() / center <= tolerance;
    // The value most others agree with, and how many do.
    let majority = positive
        .iter()
        .map(|&center| {
            let n = values.iter().filter(|(_, v)| agrees(center, *v)).count();
            (center, n)
        })
        .max_by_key(|&(_, n)| n)
        .filter(|&(_, n)| 2 * n > values.len());
    let outliers = match majority {
        Some((center, _)) => values
            .iter()
            .filter(|(_, v)| !agrees(center, *v))
            .map(|(s, _)| s.clone())
            .collect(),
        None => Vec::new(),
    };
    Disagreement {
        figure,
        values,
        disagree: spread.is_some_and(|s| s - 1.0 > tolerance),
        spread,
        outliers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outlier_is_away_from_a_majority_and_two_sources_have_none() {
        // Two that differ: which one is wrong is not known.
        let d = compare(
            "circulating_supply",
            vec![("coingecko".into(), 0.0), ("coinpaprika".into(), 1.6e9)],
            0.2,
        );
        assert_eq!(d.spread, None);
        assert!(d.outliers.is_empty());
        let d = compare("price", vec![("a".into(), 1.0), ("b".into(), 2.0)], 0.2);
        assert!(d.outliers.is_empty(), "the lower one is not the outlier");
        assert!(d.disagree, "but they disagree");
        // Three that all differ: no majority, no outlier.
        let d = compare(
            "price",
            vec![("a".into(), 1.0), ("b".into(), 2.0), ("c".into(), 4.0)],
            0.2,
        );
        assert!(d.outliers.is_empty());
        // A zero among an agreeing majority is away from it.
        let d = compare(
            "market_cap",
            vec![("a".into(), 0.0), ("b".into(), 10.0), ("c".into(), 11.0)],
            0.2,
        );
        assert_eq!(d.outliers, ["a"]);
        let d = compare(
            "price",
            vec![("a".into(), 1.0), ("b".into(), 1.1), ("c".into(), 2.0)],
            0.2,
        );
        assert_eq!(d.spread, Some(2.0));
        assert_eq!(d.outliers, ["c"]);
    }
}
