//! The history's one ordered list of schema steps: a file of every earlier version (a fixture
//! in `tests/fixtures/history/`, made as that version's popwatch made it) opens with today's
//! popwatch at the latest version with its rows kept; the list builds the same tables as the
//! fixtures; a file from a newer popwatch is refused and left as it is.

use std::path::{Path, PathBuf};

use popwatch::history::Store;
use popwatch::history::migrations::{self, LATEST};
use popwatch::history::series::Series;
use rusqlite::Connection;
use time::macros::datetime;

fn fixture(version: i64) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/history/v{version}.sql"))
}

/// A history file at `version`: an empty file for 0 (never opened by popwatch), else the
/// fixture's SQL.
fn file_at(dir: &Path, version: i64) -> PathBuf {
    let path = dir.join(format!("v{version}.sqlite3"));
    let conn = Connection::open(&path).unwrap();
    if version > 0 {
        let sql = std::fs::read_to_string(fixture(version)).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: every schema version below the latest needs a fixture of a file at \
                 that version (append one with the step that follows it)",
                fixture(version).display()
            )
        });
        conn.execute_batch(&sql).unwrap();
    }
    assert_eq!(migrations::version(&conn).unwrap(), version);
    path
}

/// Each table's columns (name, type, not null, primary key position) and indexes.
fn shape(conn: &Connection) -> Vec<String> {
    let mut tables: Vec<(String, String)> = conn
        .prepare(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.sort();
    let mut out = Vec::new();
    for (kind, name) in tables {
        out.push(format!("{kind} {name}"));
        if kind == "table" {
            let mut columns = conn.prepare(&format!("PRAGMA table_info({name})")).unwrap();
            let rows = columns
                .query_map([], |r| {
                    Ok(format!(
                        "  {} {} notnull={} pk={}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap();
            out.extend(rows.map(Result::unwrap));
        }
    }
    out
}

#[test]
fn a_file_of_every_earlier_version_opens_at_the_latest_with_its_rows() {
    let dir = tempfile::TempDir::new().unwrap();
    for version in 0..LATEST {
        let path = file_at(dir.path(), version);
        let store = Store::open(&path)
            .unwrap_or_else(|e| panic!("a version {version} file does not open: {e}"));
        let conn = Connection::open(&path).unwrap();
        assert_eq!(
            migrations::version(&conn).unwrap(),
            LATEST,
            "from {version}"
        );
        if version == 0 {
            assert!(store.latest().unwrap().is_empty());
            continue;
        }
        // The fixtures' rows are still there, exact raw amounts included.
        let latest = store.latest().unwrap();
        assert!(
            latest.iter().any(|r| matches!(r.series, Series::Balance(_))
                && r.raw.as_deref() == Some("200000000000000000000000001")),
            "{latest:?}"
        );
        assert_eq!(store.logs_block(), Some(21_000_043));
        let events = store.events(datetime!(2025-11-01 0:00 UTC)).unwrap();
        assert_eq!(events.len(), 1, "from {version}");
        if version >= 4 {
            // The log index's rows too: the chain's record survives every step.
            let logs: i64 = conn
                .query_row("SELECT COUNT(*) FROM chain_logs", [], |r| r.get(0))
                .unwrap();
            assert_eq!(logs, 1, "from {version}");
        }
        // Opening again changes nothing.
        drop(store);
        Store::open(&path).unwrap();
        assert_eq!(migrations::version(&conn).unwrap(), LATEST);
    }
}

#[test]
fn the_list_builds_what_each_version_shipped() {
    let dir = tempfile::TempDir::new().unwrap();
    // Every shipped version below the latest has a fixture; the latest may have one too.
    for version in (1..=LATEST).filter(|&v| v < LATEST || fixture(v).exists()) {
        let shipped = Connection::open(file_at(dir.path(), version)).unwrap();
        let mut built = Connection::open_in_memory().unwrap();
        migrations::migrate_to(&mut built, version).unwrap();
        assert_eq!(migrations::version(&built).unwrap(), version);
        assert_eq!(
            shape(&built),
            shape(&shipped),
            "step {version} of src/history/migrations.rs no longer builds what it shipped"
        );
    }
    // And the whole list from nothing gives the latest version.
    let mut fresh = Connection::open_in_memory().unwrap();
    migrations::migrate(&mut fresh).unwrap();
    assert_eq!(migrations::version(&fresh).unwrap(), LATEST);
    assert!(
        shape(&fresh)
            .iter()
            .any(|line| line == "table observations")
    );
}

#[test]
fn a_file_from_a_newer_popwatch_is_refused_and_left_as_it_is() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join(popwatch::history::store::FILE_NAME);
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('logs_block', '7')",
            [],
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open_in(dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("newer") && error.contains(&path.display().to_string()),
        "{error}"
    );
    // Not moved aside, not rewritten.
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the file was changed"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("corrupt")), "{names:?}");
}
