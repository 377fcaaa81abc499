//! The index in the history's SQLite file (the tables of migration 4): logs keyed by (block,
//! log index); for each stream (an address whose logs are indexed), the block ranges read;
//! the ranges nodes refused as pruned. A range read is committed in one transaction with its
//! logs, so a scan killed at any point resumes from what was committed.

use alloy::primitives::{Address, B256, Bytes};
use rusqlite::{Connection, OptionalExtension, params};

use super::log::{IndexedLog, Transfer};

pub struct IndexStore {
    conn: Connection,
}

/// A block range, both ends included.
pub type Range = (u64, u64);

/// Block numbers are stored as SQLite integers (i64); a block past i64 is no block.
fn to_sql(block: u64) -> i64 {
    i64::try_from(block).unwrap_or(i64::MAX)
}

fn from_sql(block: i64) -> u64 {
    u64::try_from(block).unwrap_or(0)
}

/// `ranges` sorted and merged where they overlap or touch.
pub fn merged(mut ranges: Vec<Range>) -> Vec<Range> {
    ranges.sort_unstable();
    let mut out: Vec<Range> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match out.last_mut() {
            Some(last) if from <= last.1.saturating_add(1) => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

impl IndexStore {
    /// The index kept through `conn`: a connection to the history file, migrated (the
    /// history module, above the sources, opens it).
    pub fn new(conn: Connection) -> Self {
        Self { conn }
    }

    /// The ranges of `stream` read so far, merged, oldest first.
    pub fn coverage(&self, stream: Address) -> rusqlite::Result<Vec<Range>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT from_block, to_block FROM index_coverage WHERE stream = ?1 ORDER BY from_block",
        )?;
        let rows = statement.query_map(params![stream.as_slice()], |r| {
            Ok((from_sql(r.get(0)?), from_sql(r.get(1)?)))
        })?;
        rows.collect()
    }

    /// The ranges nodes refused as pruned, with why, for `stream`.
    pub fn unavailable(&self, stream: Address) -> rusqlite::Result<Vec<(Range, String)>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT from_block, to_block, reason FROM index_unavailable WHERE stream = ?1 ORDER BY from_block",
        )?;
        let rows = statement.query_map(params![stream.as_slice()], |r| {
            Ok(((from_sql(r.get(0)?), from_sql(r.get(1)?)), r.get(2)?))
        })?;
        rows.collect()
    }

    /// One range read for `streams`: its logs replace whatever the index held of theirs in it
    /// (a reorg's dropped logs go), and it counts as read; all in one transaction.
    pub fn commit(
        &mut self,
        streams: &[Address],
        range: Range,
        logs: &[IndexedLog],
    ) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut delete = tx.prepare_cached(
                "DELETE FROM chain_logs WHERE emitter = ?1 AND block BETWEEN ?2 AND ?3",
            )?;
            for stream in streams {
                delete.execute(params![stream.as_slice(), to_sql(range.0), to_sql(range.1)])?;
            }
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO chain_logs
                 (block, log_index, block_hash, tx, emitter, topic0, topic1, topic2, topic3, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for log in logs {
                let topic = |i: usize| log.topics.get(i).map(|t| t.as_slice().to_vec());
                insert.execute(params![
                    to_sql(log.block),
                    to_sql(log.log_index),
                    log.block_hash.as_slice(),
                    log.tx.as_slice(),
                    log.emitter.as_slice(),
                    topic(0).unwrap_or_default(),
                    topic(1),
                    topic(2),
                    topic(3),
                    log.data.as_ref(),
                ])?;
            }
            for stream in streams {
                add_range(&tx, "index_coverage", *stream, range, None)?;
                // Read now: no longer unavailable.
                tx.execute(
                    "DELETE FROM index_unavailable WHERE stream = ?1 AND from_block >= ?2 AND to_block <= ?3",
                    params![stream.as_slice(), to_sql(range.0), to_sql(range.1)],
                )?;
            }
        }
        tx.commit()
    }

    /// Marks `range` as refused for `streams` (pruned history), with why.
    pub fn mark_unavailable(
        &mut self,
        streams: &[Address],
        range: Range,
        reason: &str,
    ) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for stream in streams {
            add_range(&tx, "index_unavailable", *stream, range, Some(reason))?;
        }
        tx.commit()
    }

    /// A value the index keeps about itself (its start block, where that came from).
    pub fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
    }

    pub fn set_meta(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map(|_| ())
    }

    /// Every Transfer of `token` in the index, in chain order.
    pub fn transfers(&self, token: Address) -> rusqlite::Result<Vec<Transfer>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT block, log_index, block_hash, tx, emitter, topic0, topic1, topic2, topic3, data
             FROM chain_logs WHERE emitter = ?1 AND topic0 = ?2 ORDER BY block, log_index",
        )?;
        let rows = statement.query_map(
            params![token.as_slice(), super::log::TRANSFER.as_slice()],
            row_log,
        )?;
        let mut out = Vec::new();
        for log in rows {
            if let Some(t) = log?.transfer(token) {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// The logs `emitter` sent in `[from, to]`, in chain order.
    pub fn logs_of(&self, emitter: Address, range: Range) -> rusqlite::Result<Vec<IndexedLog>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT block, log_index, block_hash, tx, emitter, topic0, topic1, topic2, topic3, data
             FROM chain_logs WHERE emitter = ?1 AND block BETWEEN ?2 AND ?3 ORDER BY block, log_index",
        )?;
        let rows = statement.query_map(
            params![emitter.as_slice(), to_sql(range.0), to_sql(range.1)],
            row_log,
        )?;
        rows.collect()
    }

    /// How many logs of `streams` the index holds in `range`.
    pub fn logs_of_streams(&self, streams: &[Address], range: Range) -> rusqlite::Result<usize> {
        let mut count = 0;
        for stream in streams {
            let n: i64 = self.conn.query_row(
                "SELECT COUNT(*) FROM chain_logs WHERE emitter = ?1 AND block BETWEEN ?2 AND ?3",
                params![stream.as_slice(), to_sql(range.0), to_sql(range.1)],
                |r| r.get(0),
            )?;
            count += usize::try_from(n).unwrap_or(0);
        }
        Ok(count)
    }

    /// The block times read so far (unix seconds), by block.
    pub fn block_times(&self) -> rusqlite::Result<std::collections::HashMap<u64, i64>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT block, time FROM block_times")?;
        let rows = statement.query_map([], |r| Ok((from_sql(r.get(0)?), r.get(1)?)))?;
        rows.collect()
    }

    /// Keeps block times (unix seconds).
    pub fn add_block_times(&mut self, times: &[(u64, i64)]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO block_times (block, time) VALUES (?1, ?2)",
            )?;
            for (block, time) in times {
                insert.execute(params![to_sql(*block), time])?;
            }
        }
        tx.commit()
    }

    /// How many logs the index holds.
    pub fn log_count(&self) -> rusqlite::Result<u64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM chain_logs", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(from_sql)
    }

    /// Every log in the index, in chain order (tests compare two indexes with it).
    pub fn all_logs(&self) -> rusqlite::Result<Vec<IndexedLog>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT block, log_index, block_hash, tx, emitter, topic0, topic1, topic2, topic3, data
             FROM chain_logs ORDER BY block, log_index",
        )?;
        let rows = statement.query_map([], row_log)?;
        rows.collect()
    }
}

/// A `chain_logs` row as a log.
fn row_log(r: &rusqlite::Row<'_>) -> rusqlite::Result<IndexedLog> {
    let hash = |i: usize| -> rusqlite::Result<B256> {
        let bytes: Vec<u8> = r.get(i)?;
        Ok(B256::try_from(bytes.as_slice()).unwrap_or_default())
    };
    let emitter: Vec<u8> = r.get(4)?;
    let mut topics = vec![hash(5)?];
    for i in 6..=8 {
        let topic: Option<Vec<u8>> = r.get(i)?;
        if let Some(t) = topic {
            topics.push(B256::try_from(t.as_slice()).unwrap_or_default());
        }
    }
    let data: Vec<u8> = r.get(9)?;
    Ok(IndexedLog {
        block: from_sql(r.get(0)?),
        log_index: from_sql(r.get(1)?),
        block_hash: hash(2)?,
        tx: hash(3)?,
        emitter: Address::try_from(emitter.as_slice()).unwrap_or_default(),
        topics,
        data: Bytes::from(data),
    })
}

/// Adds `range` to a stream's ranges in `table`, merging it with those it overlaps or touches.
fn add_range(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    stream: Address,
    range: Range,
    reason: Option<&str>,
) -> rusqlite::Result<()> {
    let existing: Vec<(Range, String)> = {
        let mut statement = tx.prepare(&format!(
            "SELECT from_block, to_block, {} FROM {table} WHERE stream = ?1",
            if reason.is_some() { "reason" } else { "''" }
        ))?;
        let rows = statement.query_map(params![stream.as_slice()], |r| {
            Ok(((from_sql(r.get(0)?), from_sql(r.get(1)?)), r.get(2)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut ranges: Vec<Range> = existing.iter().map(|(r, _)| *r).collect();
    ranges.push(range);
    tx.execute(
        &format!("DELETE FROM {table} WHERE stream = ?1"),
        params![stream.as_slice()],
    )?;
    for (from, to) in merged(ranges) {
        match reason {
            Some(reason) => {
                // A merged refusal keeps the newest reason.
                tx.execute(
                    &format!("INSERT INTO {table} (stream, from_block, to_block, reason) VALUES (?1, ?2, ?3, ?4)"),
                    params![stream.as_slice(), to_sql(from), to_sql(to), reason],
                )?;
            }
            None => {
                tx.execute(
                    &format!(
                        "INSERT INTO {table} (stream, from_block, to_block) VALUES (?1, ?2, ?3)"
                    ),
                    params![stream.as_slice(), to_sql(from), to_sql(to)],
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_where_they_overlap_or_touch() {
        assert_eq!(
            merged(vec![(10, 20), (1, 5), (6, 8), (30, 40), (35, 50)]),
            vec![(1, 8), (10, 20), (30, 50)]
        );
        assert_eq!(merged(vec![]), vec![]);
        assert_eq!(merged(vec![(5, u64::MAX), (1, 4)]), vec![(1, u64::MAX)]);
    }
}
