//! The history's schema as one ordered list of steps: step `i` takes a file at
//! `PRAGMA user_version = i` to `i + 1`, in one transaction. To change the schema, append a
//! step (and a fixture of the previous version in `tests/fixtures/history/`); never edit a step
//! that has shipped, since files in users' data directories were made by it.

use rusqlite::Connection;

/// Every step, in order. The schema version this build writes is their count.
pub const MIGRATIONS: &[Migration] = &[
    // 0 -> 1 (popwatch 0.1)
    Migration {
        why: "observations (one row per series and time, exact raw integers beside the display \
              value), events (unique key: two writers never double one), meta (how far the logs \
              were scanned)",
        sql: "CREATE TABLE IF NOT EXISTS observations (
                  ts INTEGER NOT NULL, series TEXT NOT NULL, value REAL NOT NULL, raw TEXT,
                  PRIMARY KEY (series, ts));
              CREATE INDEX IF NOT EXISTS observations_ts ON observations (ts);
              CREATE TABLE IF NOT EXISTS events (
                  id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL,
                  key TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
              CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    },
    // 1 -> 2
    Migration {
        why: "events are read and pruned by time (the alerts feed at start, retention): an index \
              on ts instead of a scan of every event ever stored",
        sql: "CREATE INDEX IF NOT EXISTS events_ts ON events (ts);",
    },
    // 2 -> 3
    Migration {
        why: "spans: when popwatch watched. Observations are written only when a value moves, so \
              without spans a week in which nothing moved and a week nobody watched look alike; \
              with them, values carry forward inside a span and a gap between spans is shown \
              as a gap",
        sql: "CREATE TABLE IF NOT EXISTS spans (start INTEGER NOT NULL, end INTEGER NOT NULL);
              CREATE INDEX IF NOT EXISTS spans_end ON spans (end);",
    },
    // 3 -> 4
    Migration {
        why: "the token's log index (src/index): every log of the token and its pools, keyed by \
              (block, log index) with its block's hash; the block ranges read for each stream \
              (an address), so a scan resumes and a restart reads only new blocks; the ranges \
              a node refused as pruned. Retention never touches them: they are the chain's record",
        sql: "CREATE TABLE IF NOT EXISTS chain_logs (
                  block INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash BLOB NOT NULL,
                  tx BLOB NOT NULL, emitter BLOB NOT NULL, topic0 BLOB NOT NULL, topic1 BLOB,
                  topic2 BLOB, topic3 BLOB, data BLOB NOT NULL,
                  PRIMARY KEY (block, log_index)) WITHOUT ROWID;
              CREATE INDEX IF NOT EXISTS chain_logs_emitter ON chain_logs (emitter, topic0, block);
              CREATE TABLE IF NOT EXISTS index_coverage (
                  stream BLOB NOT NULL, from_block INTEGER NOT NULL, to_block INTEGER NOT NULL,
                  PRIMARY KEY (stream, from_block));
              CREATE TABLE IF NOT EXISTS index_unavailable (
                  stream BLOB NOT NULL, from_block INTEGER NOT NULL, to_block INTEGER NOT NULL,
                  reason TEXT NOT NULL, PRIMARY KEY (stream, from_block));",
    },
    // 4 -> 5
    Migration {
        why: "the times of the blocks the token's Transfers are in, read once (the holders' \
              monthly activity); the chain's record, like the index",
        sql: "CREATE TABLE IF NOT EXISTS block_times (
                  block INTEGER PRIMARY KEY, time INTEGER NOT NULL) WITHOUT ROWID;",
    },
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// What the step changes and why, for the people who append the next one.
    pub why: &'static str,
    pub sql: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// A newer popwatch wrote the file: it is left as it is, never moved aside or downgraded.
    #[error(
        "it has schema version {found}, newer than this popwatch knows ({LATEST}): upgrade popwatch"
    )]
    Newer { found: i64 },
    #[error("step {step} of the schema failed: {source}")]
    Step {
        step: i64,
        #[source]
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// The file's schema version.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the file from its version to [`LATEST`], one committed step at a time (a step that
/// fails leaves the file at the version before it).
pub fn migrate(conn: &mut Connection) -> Result<(), MigrationError> {
    migrate_to(conn, LATEST)
}

/// Brings the file up to `target` (tests build every earlier version this way).
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), MigrationError> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(MigrationError::Newer { found });
    }
    for step in found..target.min(LATEST) {
        let migration = &MIGRATIONS[usize::try_from(step).expect("versions are small")];
        let failed = |source| MigrationError::Step {
            step: step + 1,
            source,
        };
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(migration.sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", step + 1)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}
