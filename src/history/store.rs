//! The history: one SQLite file in the data directory (WAL, so the TUI and `popwatch events`
//! can share it), migrated by `user_version`. Each refresh records, in one transaction, only the
//! values that moved; events are stored with a unique key, so two writers never double one.
//! Old rows are pruned past `history_days`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::migrations;
use super::series::{Observation, PricedBy, Sample, Series};
use crate::events::Event;
use crate::state::AppState;

pub const FILE_NAME: &str = "history.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history database {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("history database {} is unreadable ({reason}); it was moved aside to {}", path.display(), moved_to.display())]
    Corrupt {
        path: PathBuf,
        moved_to: PathBuf,
        reason: String,
    },
    #[error("history database {}: {source}", path.display())]
    Schema {
        path: PathBuf,
        source: super::migrations::MigrationError,
    },
    #[error("cannot create {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What recording a state writes: its series values and how far its logs were scanned. Taken
/// on the UI thread and sent to the writer, so the writer needs no copy of the state.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub values: Vec<Sample>,
    pub logs_block: Option<u64>,
}

impl Recording {
    pub fn of(state: &AppState) -> Self {
        Self {
            values: Store::values(state),
            logs_block: state.logs_block,
        }
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The last recorded value of each series, so only moves are written.
    last: HashMap<Series, f64>,
    /// Two records further apart than this are two spans of watching with a gap between.
    span_gap_secs: i64,
}

/// How far apart two records may be and still be one span of watching, unless the watcher
/// says otherwise ([`Store::with_span_gap`]): three of the default 30-second refreshes.
pub const DEFAULT_SPAN_GAP_SECS: u64 = 90;

/// A time popwatch was watching, from the first record to the last (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: i64,
    pub end: i64,
}

impl Span {
    pub fn holds(&self, ts: i64) -> bool {
        self.start <= ts && ts <= self.end
    }
}

/// Counts `ts` as watched: the latest span goes on to it when it ended at most `gap` seconds
/// before (or later: another process sharing the file, a clock set back), else a new span
/// starts. True when one started.
fn extend_spans(conn: &Connection, ts: i64, gap: i64) -> rusqlite::Result<bool> {
    let latest: Option<(i64, i64)> = conn
        .query_row(
            "SELECT rowid, end FROM spans ORDER BY end DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match latest {
        Some((rowid, end)) if end >= ts.saturating_sub(gap) => {
            conn.execute(
                "UPDATE spans SET end = MAX(end, ?1) WHERE rowid = ?2",
                params![ts, rowid],
            )?;
            Ok(false)
        }
        _ => {
            conn.execute(
                "INSERT INTO spans (start, end) VALUES (?1, ?1)",
                params![ts],
            )?;
            Ok(true)
        }
    }
}

/// A row of `SELECT ts, series, value, raw`; `None` for a series this build does not know.
fn observation(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Observation>> {
    let key: String = row.get(1)?;
    let Ok(series) = key.parse::<Series>() else {
        return Ok(None);
    };
    Ok(Some(Observation {
        ts: row.get(0)?,
        series,
        value: row.get(2)?,
        raw: row.get(3)?,
    }))
}

/// A flag event as (raised, rule id, subject); `None` for other events.
fn flag_of(e: &Event) -> Option<(bool, &'static str, &str)> {
    match &e.change {
        crate::events::Change::FlagRaised { id, subject, .. } => Some((true, id.as_str(), subject)),
        crate::events::Change::FlagCleared { id, subject } => Some((false, id.as_str(), subject)),
        _ => None,
    }
}

/// A source-state event as (source, the class of its state: `failed:`, `rate-limited`,
/// `recovered`); `None` for other events.
fn source_state_of(e: &Event) -> Option<(&'static str, &str)> {
    match &e.change {
        crate::events::Change::SourceState { source, state } => {
            Some((source.as_str(), state_class(state)))
        }
        _ => None,
    }
}

fn state_class(state: &str) -> &str {
    state.split_whitespace().next().unwrap_or_default()
}

/// The class of the last source-state event recorded for `source`. Keys are
/// `source:<name>:<time>`.
fn latest_source_state(conn: &Connection, source: &str) -> rusqlite::Result<Option<String>> {
    let pattern = format!("source:{}:%", source.replace('_', "\\_"));
    conn.query_row(
        "SELECT json FROM events WHERE kind = 'source_state' AND key LIKE ?1 ESCAPE '\\' ORDER BY id DESC LIMIT 1",
        params![pattern],
        |r| r.get::<_, String>(0),
    )
    .map(|json| {
        serde_json::from_str::<serde_json::Value>(&json)
            .ok()
            .and_then(|v| v["state"].as_str().map(|s| state_class(s).to_owned()))
    })
    .or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(None),
        e => Err(e),
    })
}

/// Whether the history last recorded the flag `id` of `subject` as raised (`Some(true)`),
/// cleared (`Some(false)`), or never. Flag event keys are `flag_<raised|cleared>:<id>:<subject>:<time>`.
fn latest_flag(conn: &Connection, id: &str, subject: &str) -> rusqlite::Result<Option<bool>> {
    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    let pattern = format!("flag\\_%:{}:{}:%", escape(id), escape(subject));
    conn.query_row(
        "SELECT kind FROM events WHERE kind IN ('flag_raised', 'flag_cleared') AND key LIKE ?1 ESCAPE '\\' ORDER BY id DESC LIMIT 1",
        params![pattern],
        |r| r.get::<_, String>(0),
    )
    .map(|kind| Some(kind == "flag_raised"))
    .or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok(None),
        e => Err(e),
    })
}

/// Whether an error says the file is not a readable database: SQLite's own verdict
/// (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) or a failed `quick_check`.
fn is_corrupt(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
        ),
        rusqlite::Error::InvalidQuery => true, // quick_check did not answer "ok"
        _ => false,
    }
}

impl Store {
    /// The history in `dir` for reading only (`popwatch history`): never created, migrated,
    /// switched to WAL or moved aside. `None` when there is no history yet.
    pub fn open_read_only(dir: &Path) -> Result<Option<Self>, HistoryError> {
        let path = dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(None);
        }
        let sqlite = |source| HistoryError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
        let version = migrations::version(&conn).map_err(sqlite)?;
        if version != migrations::LATEST {
            return Err(HistoryError::Sqlite {
                path: path.clone(),
                source: rusqlite::Error::InvalidParameterName(format!(
                    "its schema is version {version}, this popwatch reads {}: run popwatch (or popwatch events) once to bring it up to date",
                    migrations::LATEST
                )),
            });
        }
        Ok(Some(Self {
            conn,
            path,
            last: HashMap::new(),
            span_gap_secs: DEFAULT_SPAN_GAP_SECS as i64,
        }))
    }

    /// The open, migrated connection, for the log index that shares the file
    /// ([`crate::sources::chain::index::IndexStore`]).
    pub fn into_connection(self) -> Connection {
        self.conn
    }

    /// The store in `dir` (created if missing).
    pub fn open_in(dir: &Path) -> Result<Self, HistoryError> {
        std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        Self::open(&dir.join(FILE_NAME))
    }

    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let sqlite = |source| HistoryError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        // Private (0600), like the config and the log: it holds every watched balance. A new
        // file is created empty and private before SQLite opens it (SQLite gives its -wal and
        // -shm files the database file's permissions); an older 0644 one is made private.
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if !path.exists() {
            let _ = crate::fsutil::open_private_append(path);
        }
        crate::fsutil::make_private(path);
        let opened = Connection::open(path).and_then(|conn| {
            conn.busy_timeout(Duration::from_secs(5))?;
            // A file a newer popwatch wrote is not touched at all (not even switched to WAL):
            // `migrate` below refuses it.
            if migrations::version(&conn)? > migrations::LATEST {
                return Ok(conn);
            }
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // The history is small (about a megabyte for 1,000 wallets over 90 days) and read
            // rarely: 512 KiB of page cache instead of SQLite's default 2 MiB.
            conn.pragma_update(None, "cache_size", -512)?;
            let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(rusqlite::Error::InvalidQuery);
            }
            Ok(conn)
        });
        let mut conn = match opened {
            Ok(conn) => conn,
            // Only a file SQLite itself calls damaged is moved aside; a permission, read-only,
            // full-disk or I/O error is reported and the file left exactly as it is.
            Err(e) if is_corrupt(&e) => {
                // Unreadable: keep the file for the user, start no history this run.
                let moved_to = path.with_extension(format!(
                    "corrupt-{}",
                    OffsetDateTime::now_utc().unix_timestamp()
                ));
                std::fs::rename(path, &moved_to).map_err(|source| HistoryError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                return Err(HistoryError::Corrupt {
                    path: path.to_path_buf(),
                    moved_to,
                    reason: e.to_string(),
                });
            }
            Err(e) => return Err(sqlite(e)),
        };
        // A file a newer popwatch wrote, or a step that fails, is reported and left untouched.
        migrations::migrate(&mut conn).map_err(|source| HistoryError::Schema {
            path: path.to_path_buf(),
            source,
        })?;
        let mut last = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT series, value FROM observations o WHERE ts = (SELECT MAX(ts) FROM observations WHERE series = o.series)")
                .map_err(sqlite)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))
                .map_err(sqlite)?;
            for (key, value) in rows.flatten() {
                if let Ok(series) = key.parse::<Series>() {
                    last.insert(series, value);
                }
            }
        }
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            last,
            span_gap_secs: DEFAULT_SPAN_GAP_SECS as i64,
        })
    }

    /// Records further apart than `secs` are two spans of watching (a watcher refreshing
    /// every N seconds passes about 3 N).
    pub fn with_span_gap(mut self, secs: u64) -> Self {
        self.span_gap_secs = i64::try_from(secs).unwrap_or(i64::MAX);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> HistoryError {
        HistoryError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// The values a state shows, by series name: a display value (USD, or whole tokens for
    /// charts) and, for token amounts, the exact raw integer, which is what is kept.
    pub fn values(state: &AppState) -> Vec<Sample> {
        let mut out: Vec<Sample> = Vec::new();
        let mut push = |series: Series, value: f64, raw: Option<String>| {
            out.push(Sample { series, value, raw });
        };
        let paper: Option<f64> = state
            .wallets
            .iter()
            .map(|w| state.paper_value(w).map(|(v, _)| v))
            .sum();
        if let Some(paper) = paper {
            push(Series::PortfolioPaper, paper, None);
        }
        if let Some(exit) = state
            .portfolio_exit
            .as_ref()
            .and_then(|e| state.wei_usd(e.net_eth_wei()?))
        {
            push(Series::PortfolioExit, exit, None);
        }
        for (source, q) in &state.market {
            if let Some(p) = q.price_usd {
                push(Series::Price(PricedBy::Market(*source)), p, None);
            }
        }
        if let Some(p) = state.onchain_price_usd() {
            push(Series::Price(PricedBy::Onchain), p, None);
        }
        let decimals = crate::state::figures::decimals(state);
        for w in &state.wallets {
            if let Some(pop) = w.pop_raw {
                push(
                    Series::Balance(w.address),
                    f64::from(pop) / 10f64.powi(i32::from(decimals)),
                    Some(pop.to_string()),
                );
            }
        }
        for p in &state.pools {
            push(
                Series::PoolPop(p.address),
                f64::from(p.pop_reserve_raw) / 10f64.powi(i32::from(decimals)),
                Some(p.pop_reserve_raw.to_string()),
            );
            push(
                Series::PoolEth(p.address),
                f64::from(p.weth_reserve_wei) / 1e18,
                Some(p.weth_reserve_wei.to_string()),
            );
        }
        out
    }

    /// Records what moved since the last recorded values, and `events`, in one transaction.
    pub fn record(
        &mut self,
        state: &AppState,
        events: &[Event],
        now: OffsetDateTime,
    ) -> Result<usize, HistoryError> {
        self.record_values(Recording::of(state), events, now)
    }

    /// [`Store::record`] of a state's values taken earlier (by the UI thread, for the writer).
    pub fn record_values(
        &mut self,
        recording: Recording,
        events: &[Event],
        now: OffsetDateTime,
    ) -> Result<usize, HistoryError> {
        self.record_new(recording, events, now)
            .map(|(written, _)| written)
    }

    /// [`Store::record_values`], returning also the events this call recorded first: a flag
    /// raised (or cleared) that the history already holds as raised (or cleared), because
    /// another popwatch sharing the file recorded it, is neither written again nor returned,
    /// so it is alerted once. Checked and written in one immediate transaction.
    pub fn record_new(
        &mut self,
        recording: Recording,
        events: &[Event],
        now: OffsetDateTime,
    ) -> Result<(usize, Vec<Event>), HistoryError> {
        let ts = now.unix_timestamp();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| HistoryError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
        let opened =
            extend_spans(&tx, ts, self.span_gap_secs).map_err(|e| HistoryError::Sqlite {
                path: self.path.clone(),
                source: e,
            })?;
        // A new span starts with every value, so nothing is carried across a gap.
        let moved: Vec<Sample> = recording
            .values
            .into_iter()
            .filter(|s| {
                opened
                    || self.last.get(&s.series).is_none_or(|last| {
                        (last - s.value).abs() > f64::EPSILON * s.value.abs().max(1.0)
                    })
            })
            .collect();
        let mut written = 0;
        let mut new_events = Vec::new();
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO observations (ts, series, value, raw) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| HistoryError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
            for sample in &moved {
                written += insert
                    .execute(params![
                        ts,
                        sample.series.to_string(),
                        sample.value,
                        sample.raw
                    ])
                    .map_err(|e| HistoryError::Sqlite {
                        path: self.path.clone(),
                        source: e,
                    })?;
            }
            let mut event = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO events (ts, kind, key, json) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| HistoryError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
            for e in events {
                let repeated = match (flag_of(e), source_state_of(e)) {
                    (Some((raised, id, subject)), _) => {
                        latest_flag(&tx, id, subject).map(|last| last == Some(raised))
                    }
                    (_, Some((source, class))) => {
                        latest_source_state(&tx, source).map(|last| last.as_deref() == Some(class))
                    }
                    _ => Ok(false),
                }
                .map_err(|e| HistoryError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
                if repeated {
                    continue; // already recorded so, by another process
                }
                let inserted = event
                    .execute(params![ts, e.kind().as_str(), e.key, e.json()])
                    .map_err(|e| HistoryError::Sqlite {
                        path: self.path.clone(),
                        source: e,
                    })?;
                written += inserted;
                if inserted > 0 {
                    new_events.push(e.clone());
                }
            }
            if let Some(block) = recording.logs_block {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('logs_block', ?1)",
                    params![block.to_string()],
                )
                .map_err(|e| HistoryError::Sqlite {
                    path: self.path.clone(),
                    source: e,
                })?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        for sample in moved {
            self.last.insert(sample.series, sample.value);
        }
        Ok((written, new_events))
    }

    /// Deletes observations and events more than `days` older than the newest row recorded
    /// up to `now` (not than the clock: a clock set forward must not empty the history, and
    /// rows from a clock that was ahead do not count once it is back); returns rows deleted.
    pub fn prune(&mut self, days: u64, now: OffsetDateTime) -> Result<usize, HistoryError> {
        let newest: Option<i64> = self
            .conn
            .query_row(
                "SELECT MAX(ts) FROM (SELECT MAX(ts) AS ts FROM observations WHERE ts <= ?1
                                      UNION ALL SELECT MAX(ts) FROM events WHERE ts <= ?1)",
                params![now.unix_timestamp()],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let Some(newest) = newest else {
            return Ok(0);
        };
        let span = i64::try_from(days)
            .unwrap_or(i64::MAX)
            .saturating_mul(86_400);
        let cutoff = newest.saturating_sub(span);
        let a = self
            .conn
            .execute("DELETE FROM observations WHERE ts < ?1", params![cutoff])
            .map_err(|e| self.err(e))?;
        let b = self
            .conn
            .execute("DELETE FROM events WHERE ts < ?1", params![cutoff])
            .map_err(|e| self.err(e))?;
        self.conn
            .execute("DELETE FROM spans WHERE end < ?1", params![cutoff])
            .map_err(|e| self.err(e))?;
        Ok(a + b)
    }

    /// Keeps full detail for the last day and, before that, the last row of each series in
    /// each hour; returns rows deleted. Events are never thinned.
    pub fn thin(&mut self, now: OffsetDateTime) -> Result<usize, HistoryError> {
        let day_ago = now.unix_timestamp() - 86_400;
        self.conn
            .execute(
                "DELETE FROM observations WHERE ts < ?1 AND rowid NOT IN (
                     SELECT rowid FROM observations o WHERE ts < ?1 AND ts = (
                         SELECT MAX(ts) FROM observations
                         WHERE series = o.series AND ts / 3600 = o.ts / 3600))",
                params![day_ago],
            )
            .map_err(|e| self.err(e))
    }

    /// Every observation since `since`, oldest first (series this build does not know are
    /// skipped).
    pub fn observations(&self, since: OffsetDateTime) -> Result<Vec<Observation>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT ts, series, value, raw FROM observations WHERE ts >= ?1 ORDER BY ts, series",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since.unix_timestamp()], observation)
            .map_err(|e| self.err(e))?;
        Ok(rows.flatten().flatten().collect())
    }

    /// The spans of watching that reach past `since`, oldest first.
    pub fn spans(&self, since: OffsetDateTime) -> Result<Vec<Span>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare("SELECT start, end FROM spans WHERE end >= ?1 ORDER BY start")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since.unix_timestamp()], |r| {
                Ok(Span {
                    start: r.get(0)?,
                    end: r.get(1)?,
                })
            })
            .map_err(|e| self.err(e))?;
        Ok(rows.flatten().collect())
    }

    /// Stored events since `since`, oldest first, as their JSON.
    pub fn events(&self, since: OffsetDateTime) -> Result<Vec<(i64, String)>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare("SELECT ts, json FROM events WHERE ts >= ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since.unix_timestamp()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        Ok(rows.flatten().collect())
    }

    /// The flags the history holds as raised (their last flag event is `flag_raised`), as
    /// (rule id, subject, severity, detail): what was standing when popwatch last ran.
    pub fn standing_flags(&self) -> Result<Vec<(String, String, String, String)>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT json FROM events WHERE kind IN ('flag_raised', 'flag_cleared') ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut standing: std::collections::BTreeMap<(String, String), Option<(String, String)>> =
            std::collections::BTreeMap::new();
        for json in rows.flatten() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&json) else {
                continue;
            };
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let key = (text("id"), text("subject"));
            let raised = v["kind"] == "flag_raised";
            standing.insert(key, raised.then(|| (text("severity"), text("detail"))));
        }
        Ok(standing
            .into_iter()
            .filter_map(|((id, subject), raised)| {
                raised.map(|(severity, detail)| (id, subject, severity, detail))
            })
            .collect())
    }

    /// The latest observation of every series.
    pub fn latest(&self) -> Result<Vec<Observation>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT ts, series, value, raw FROM observations o
                 WHERE ts = (SELECT MAX(ts) FROM observations WHERE series = o.series)",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], observation).map_err(|e| self.err(e))?;
        Ok(rows.flatten().flatten().collect())
    }

    /// The last block the log scan processed, as persisted.
    pub fn logs_block(&self) -> Option<u64> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'logs_block'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
    }
}
