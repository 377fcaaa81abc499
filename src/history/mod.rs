//! The history: the SQLite store and its migrations, the recorder that writes it, the series
//! it records, and what is read back (`popwatch history`, charts and figures at start).

pub mod migrations;
pub mod recorder;
pub mod series;
pub mod store;

pub use store::{HistoryError, Recording, Span, Store};

/// The log index in the history file in `dir` (created and migrated), for the chain source to
/// extend with at most `budget` requests per refresh; `None`, logged, when there is no data
/// directory or the file cannot be opened (the figures do not depend on it).
pub fn index_in(
    dir: Option<&std::path::Path>,
    budget: Option<u64>,
) -> Option<crate::sources::IndexHandle> {
    match Store::open_in(dir?) {
        Ok(store) => Some((store.into_connection(), budget)),
        Err(e) => {
            tracing::warn!(error = %e, "running without the log index");
            None
        }
    }
}

use series::{Observation, PricedBy, Series};

use crate::state::figures::MARKET_SOURCES;
use crate::state::{SourceName, Update};

/// The columns of `popwatch history` (and its CSV header), in order.
pub const HISTORY_COLUMNS: [(Series, &str); 6] = [
    (Series::PortfolioPaper, "portfolio_paper_usd"),
    (Series::PortfolioExit, "portfolio_exit_usd"),
    (
        Series::Price(PricedBy::Market(SourceName::Coingecko)),
        "price_coingecko_usd",
    ),
    (
        Series::Price(PricedBy::Market(SourceName::Coinpaprika)),
        "price_coinpaprika_usd",
    ),
    (
        Series::Price(PricedBy::Market(SourceName::Dexscreener)),
        "price_dexscreener_usd",
    ),
    (Series::Price(PricedBy::Onchain), "price_onchain_usd"),
];

/// One row per recorded time and per span's end. Inside a span of watching a value carries
/// forward until it moves (only moves are written); where nothing was watched, a gap row (CSV:
/// every value empty, at the second the gap begins) says so, and nothing is carried across it.
/// Rows outside any span (files from before spans were recorded) show only what moved then.
pub fn history_table(rows: &[Observation], spans: &[Span], csv: bool) -> String {
    use std::collections::BTreeMap;
    let mut by_ts: BTreeMap<i64, BTreeMap<Series, f64>> = BTreeMap::new();
    for row in rows {
        if HISTORY_COLUMNS.iter().any(|(s, _)| *s == row.series) {
            by_ts
                .entry(row.ts)
                .or_default()
                .insert(row.series, row.value);
        }
    }
    let empty = by_ts.is_empty();
    if !empty {
        for span in spans {
            by_ts.entry(span.end).or_default();
        }
    }
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
    let time_of = |ts: i64| {
        time::OffsetDateTime::from_unix_timestamp(ts)
            .map(crate::format::rfc3339)
            .unwrap_or_default()
    };
    let mut carried: BTreeMap<Series, f64> = BTreeMap::new();
    let mut previous_span: Option<&Span> = None;
    for (ts, values) in by_ts {
        let span = spans.iter().find(|s| s.holds(ts));
        if span != previous_span {
            if let Some(ended) = previous_span {
                let gap_from = ended.end + 1;
                if csv {
                    out.push_str(&format!(
                        "{}{}\n",
                        time_of(gap_from),
                        ",".repeat(HISTORY_COLUMNS.len())
                    ));
                } else {
                    out.push_str(&format!(
                        "{:<21} (not watched until {})\n",
                        time_of(gap_from),
                        time_of(ts)
                    ));
                }
            }
            carried.clear();
        }
        if span.is_none() {
            carried.clear();
        }
        previous_span = span;
        carried.extend(values);
        let time = time_of(ts);
        if csv {
            let cells: Vec<String> = HISTORY_COLUMNS
                .iter()
                .map(|(s, _)| carried.get(s).map(|v| format!("{v}")).unwrap_or_default())
                .collect();
            out.push_str(&format!("{time},{}\n", cells.join(",")));
        } else {
            out.push_str(&format!("{time:<21}"));
            for (s, _) in HISTORY_COLUMNS {
                let cell = carried
                    .get(&s)
                    .map(|v| crate::format::usd(*v))
                    .unwrap_or_else(|| "·".to_owned());
                out.push_str(&format!(" {cell:>22}"));
            }
            out.push('\n');
        }
    }
    if empty && !csv {
        out.push_str("(nothing recorded in this window yet: run popwatch, popwatch events or popwatch snapshot)\n");
    }
    out
}

/// The updates that put the last week of recorded prices and portfolio values back into a
/// fresh state, so charts survive restarts.
pub fn recorded_updates(store: &Store, now: time::OffsetDateTime) -> Vec<Update> {
    let Ok(rows) = store.observations(now - time::Duration::days(7)) else {
        return Vec::new();
    };
    let at = |ts: i64| time::OffsetDateTime::from_unix_timestamp(ts).ok();
    let mut updates = Vec::new();
    for source in MARKET_SOURCES {
        let series = Series::Price(PricedBy::Market(source));
        let points: Vec<_> = rows
            .iter()
            .filter(|r| r.series == series)
            .filter_map(|r| Some((at(r.ts)?, r.value)))
            .collect();
        if !points.is_empty() {
            updates.push(Update::PriceChart { source, points });
        }
    }
    let spans = store
        .spans(now - time::Duration::days(7))
        .unwrap_or_default();
    let points = portfolio_points(&rows, &spans)
        .into_iter()
        .filter_map(|(ts, p, e)| Some((at(ts)?, p, e)))
        .collect::<Vec<_>>();
    if !points.is_empty() {
        updates.push(Update::PortfolioHistory(points));
    }
    updates
}

/// The portfolio's paper and exit values at each recorded time, carried forward inside each
/// span of watching, with a point at each span's end and, after it, a gap marker (a point
/// with neither value) that the chart does not draw across.
fn portfolio_points(rows: &[Observation], spans: &[Span]) -> Vec<(i64, Option<f64>, Option<f64>)> {
    let mut by_ts: std::collections::BTreeMap<i64, (Option<f64>, Option<f64>)> = Default::default();
    for r in rows {
        match r.series {
            Series::PortfolioPaper => by_ts.entry(r.ts).or_default().0 = Some(r.value),
            Series::PortfolioExit => by_ts.entry(r.ts).or_default().1 = Some(r.value),
            _ => {}
        }
    }
    if by_ts.is_empty() {
        return Vec::new();
    }
    for span in spans {
        by_ts.entry(span.end).or_default();
    }
    let mut points = Vec::new();
    let mut carried: (Option<f64>, Option<f64>) = (None, None);
    let mut previous_span: Option<&Span> = None;
    for (ts, (paper, exit)) in by_ts {
        let span = spans.iter().find(|s| s.holds(ts));
        if span != previous_span || span.is_none() {
            if let Some(ended) = previous_span {
                points.push((ended.end + 1, None, None));
            }
            carried = (None, None);
        }
        previous_span = span;
        carried = (paper.or(carried.0), exit.or(carried.1));
        if carried != (None, None) {
            points.push((ts, carried.0, carried.1));
        }
    }
    if let Some(ended) = previous_span {
        // This session starts after the last one ended.
        points.push((ended.end + 1, None, None));
    }
    points
}

/// The last recorded balances and prices, as one update (for the app to open on).
pub fn restored_update(store: &Store) -> Option<Update> {
    let rows = store.latest().ok()?;
    let at = |ts: i64| time::OffsetDateTime::from_unix_timestamp(ts).ok();
    let balances: Vec<_> = rows
        .iter()
        .filter_map(|r| {
            let Series::Balance(address) = r.series else {
                return None;
            };
            let pop = r.raw.as_deref()?.parse().ok()?;
            Some((address, pop, at(r.ts)?))
        })
        .collect();
    let prices: Vec<_> = MARKET_SOURCES
        .into_iter()
        .filter_map(|source| {
            let r = rows
                .iter()
                .find(|r| r.series == Series::Price(PricedBy::Market(source)))?;
            Some((source, r.value, at(r.ts)?))
        })
        .collect();
    (!balances.is_empty() || !prices.is_empty()).then_some(Update::Restored { balances, prices })
}
