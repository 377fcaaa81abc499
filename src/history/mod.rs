//! History and alerts: the SQLite store, the event diff, and what runs when an event happens
//! (the bell, the `alert_command`).

pub mod migrations;
pub mod recorder;
pub mod store;

pub use store::{HistoryError, Recording, Store};

/// The columns of `popwatch history` (and its CSV header), in order.
pub const HISTORY_COLUMNS: [(&str, &str); 6] = [
    ("portfolio:paper", "portfolio_paper_usd"),
    ("portfolio:exit", "portfolio_exit_usd"),
    ("price:coingecko", "price_coingecko_usd"),
    ("price:coinpaprika", "price_coinpaprika_usd"),
    ("price:dexscreener", "price_dexscreener_usd"),
    ("price:onchain", "price_onchain_usd"),
];

/// One row per recorded time; a cell is empty where that value did not move then.
pub fn history_table(rows: &[(i64, String, f64)], csv: bool) -> String {
    use std::collections::BTreeMap;
    let mut by_ts: BTreeMap<i64, BTreeMap<&str, f64>> = BTreeMap::new();
    for (ts, series, value) in rows {
        if HISTORY_COLUMNS.iter().any(|(s, _)| s == series) {
            by_ts
                .entry(*ts)
                .or_default()
                .insert(series.as_str(), *value);
        }
    }
    let empty = by_ts.is_empty();
    let mut out = String::new();
    let header: Vec<&str> = std::iter::once("time")
        .chain(HISTORY_COLUMNS.iter().map(|(_, c)| *c))
        .collect();
    if csv {
        out.push_str(&header.join(","));
        out.push('\n');
    } else {
        out.push_str(&format!("{:<21}", header[0]));
        for h in &header[1..] {
            out.push_str(&format!(" {h:>22}"));
        }
        out.push('\n');
    }
    for (ts, values) in by_ts {
        let time = time::OffsetDateTime::from_unix_timestamp(ts)
            .map(crate::format::rfc3339)
            .unwrap_or_default();
        if csv {
            let cells: Vec<String> = HISTORY_COLUMNS
                .iter()
                .map(|(s, _)| values.get(s).map(|v| format!("{v}")).unwrap_or_default())
                .collect();
            out.push_str(&format!("{time},{}\n", cells.join(",")));
        } else {
            out.push_str(&format!("{time:<21}"));
            for (s, _) in HISTORY_COLUMNS {
                let cell = values
                    .get(s)
                    .map(|v| crate::format::usd(*v))
                    .unwrap_or_else(|| "·".to_owned());
                out.push_str(&format!(" {cell:>22}"));
            }
            out.push('\n');
        }
    }
    if empty && !csv {
        out.push_str("(nothing recorded in this window yet: run popwatch or popwatch events)\n");
    }
    out
}

/// The updates that put the last week of recorded prices and portfolio values back into a
/// fresh state, so charts survive restarts.
pub fn recorded_updates(store: &Store, now: time::OffsetDateTime) -> Vec<crate::state::Update> {
    use crate::state::{SourceName, Update};
    let Ok(rows) = store.observations(now - time::Duration::days(7)) else {
        return Vec::new();
    };
    let mut updates = Vec::new();
    for source in [
        SourceName::Coingecko,
        SourceName::Coinpaprika,
        SourceName::Dexscreener,
    ] {
        let series = format!("price:{}", source.as_str());
        let points: Vec<_> = rows
            .iter()
            .filter(|(_, s, _)| *s == series)
            .filter_map(|(ts, _, v)| {
                Some((time::OffsetDateTime::from_unix_timestamp(*ts).ok()?, *v))
            })
            .collect();
        if !points.is_empty() {
            updates.push(Update::PriceChart { source, points });
        }
    }
    let mut portfolio: std::collections::BTreeMap<i64, (Option<f64>, Option<f64>)> =
        Default::default();
    for (ts, series, value) in &rows {
        match series.as_str() {
            "portfolio:paper" => portfolio.entry(*ts).or_default().0 = Some(*value),
            "portfolio:exit" => portfolio.entry(*ts).or_default().1 = Some(*value),
            _ => {}
        }
    }
    let points: Vec<_> = portfolio
        .into_iter()
        .filter_map(|(ts, (p, e))| {
            Some((time::OffsetDateTime::from_unix_timestamp(ts).ok()?, p, e))
        })
        .collect();
    if !points.is_empty() {
        updates.push(Update::PortfolioHistory(points));
    }
    updates
}

/// The last recorded balances and prices, as one update (for the app to open on).
pub fn restored_update(store: &Store) -> Option<crate::state::Update> {
    use crate::state::{SourceName, Update};
    let rows = store.latest().ok()?;
    let at = |ts: i64| time::OffsetDateTime::from_unix_timestamp(ts).ok();
    let balances: Vec<_> = rows
        .iter()
        .filter_map(|(series, ts, _, raw)| {
            let address = series.strip_prefix("balance:")?.parse().ok()?;
            let pop = raw.as_deref()?.parse().ok()?;
            Some((address, pop, at(*ts)?))
        })
        .collect();
    let prices: Vec<_> = [
        SourceName::Coingecko,
        SourceName::Coinpaprika,
        SourceName::Dexscreener,
    ]
    .into_iter()
    .filter_map(|source| {
        let series = format!("price:{}", source.as_str());
        let (_, ts, value, _) = rows.iter().find(|r| r.0 == series)?;
        Some((source, *value, at(*ts)?))
    })
    .collect();
    (!balances.is_empty() || !prices.is_empty()).then_some(Update::Restored { balances, prices })
}
