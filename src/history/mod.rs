//! History and alerts: the SQLite store, the event diff, and what runs when an event happens
//! (the bell, the `alert_command`).

pub mod events;
pub mod migrations;
pub mod store;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

pub use events::{Event, Seen, diff, diff_since};
pub use store::{HistoryError, Recording, Store};

/// How long an `alert_command` may run.
pub const ALERT_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `command` (through `sh -c`) with the event's JSON on stdin, in the background, killed
/// after [`ALERT_COMMAND_TIMEOUT`]. Never blocks the caller.
pub fn run_alert_command(command: &str, event: &Event) {
    if command.trim().is_empty() {
        return;
    }
    let command = command.to_owned();
    let json = event.json();
    std::thread::spawn(move || {
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            tracing::warn!("alert_command could not start");
            return;
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{json}");
        }
        let started = std::time::Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if started.elapsed() > ALERT_COMMAND_TIMEOUT => {
                    tracing::warn!("alert_command timed out: killed");
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(_) => return,
            }
        }
    });
}

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

/// The refresh loop of `popwatch events`: refresh, apply, diff, print each event as one JSON
/// line (flushed), store it, run the alert command; until SIGINT or SIGTERM.
pub async fn run_events(config: crate::config::Config, data_dir: std::path::PathBuf) {
    use crate::source::{refresh_all_once, sources_for, unavailable_updates};
    use crate::state::AppState;
    let mut store = match Store::open_in(&data_dir) {
        Ok(store) => Some(store),
        Err(e) => {
            eprintln!("popwatch: running without history: {e}");
            None
        }
    };
    let mut sources = sources_for(&config);
    let mut state = AppState::new(&config);
    if let Some(block) = store.as_ref().and_then(Store::logs_block) {
        state.apply(crate::state::Update::ResumeFrom(block));
    }
    for update in unavailable_updates(&sources) {
        state.apply(update);
    }
    let mut flags = crate::flags::Flags::default();
    let interval = Duration::from_secs(config.refresh_secs);
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let stop = async move {
        match terminate.as_mut() {
            Some(t) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = t.recv() => {}
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    tokio::pin!(stop);
    let mut last_prune = None;
    let mut history_failing: Option<String> = None;
    loop {
        let updates = tokio::select! {
            updates = refresh_all_once(&mut sources) => updates,
            _ = &mut stop => return,
        };
        let prev = Seen::of(&state);
        let prev_flags = flags.clone();
        for update in updates {
            state.apply(update);
        }
        let now = time::OffsetDateTime::now_utc();
        flags = crate::flags::evaluate(&state, now, Some(&prev_flags));
        let events = diff_since(&prev, &state, &prev_flags, &flags, now);
        {
            let mut stdout = std::io::stdout().lock();
            for e in &events {
                if writeln!(stdout, "{}", e.json())
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    return; // the reader went away
                }
                run_alert_command(&config.alert_command, e);
            }
        }
        if let Some(s) = store.as_mut() {
            // Said once when writes start failing (a full disk, a locked file) and once when
            // they work again; the events stream on either way.
            let outcome = s.record(&state, &events, now).err().map(|e| e.to_string());
            if outcome != history_failing {
                match &outcome {
                    Some(e) => {
                        tracing::warn!(error = %e, "history write failed");
                        eprintln!("popwatch: history write failed (events still stream): {e}");
                    }
                    None => eprintln!("popwatch: history writes work again"),
                }
                history_failing = outcome;
            }
            if last_prune.is_none_or(|t: time::OffsetDateTime| now - t > time::Duration::hours(1)) {
                let _ = s.prune(config.history_days, now);
                let _ = s.thin(now);
                last_prune = Some(now);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = &mut stop => return,
        }
    }
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

/// A thread that owns the store and writes what it is sent, so writes never block the UI.
/// A state's values to record, its events, and when.
pub type StateToRecord = (Recording, Vec<Event>, time::OffsetDateTime);

/// The history writer thread: records each state sent to it, and reports on the returned
/// receiver when its writes start failing (`Some(why)`) or work again (`None`).
pub fn spawn_writer(
    mut store: Store,
    history_days: u64,
) -> (
    std::sync::mpsc::Sender<StateToRecord>,
    std::sync::mpsc::Receiver<Option<String>>,
) {
    let (tx, rx) = std::sync::mpsc::channel::<StateToRecord>();
    let (status_tx, status_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut last_prune: Option<time::OffsetDateTime> = None;
        let mut failing: Option<String> = None;
        while let Ok((recording, events, now)) = rx.recv() {
            let outcome = store
                .record_values(recording, &events, now)
                .err()
                .map(|e| e.to_string());
            if let Some(e) = &outcome {
                tracing::warn!(error = %e, "history write failed");
            }
            if outcome != failing {
                failing = outcome;
                let _ = status_tx.send(failing.clone());
            }
            if last_prune.is_none_or(|t| now - t > time::Duration::hours(1)) {
                let _ = store.prune(history_days, now);
                let _ = store.thin(now);
                last_prune = Some(now);
            }
        }
    });
    (tx, status_rx)
}
