//! Golden outputs: `snapshot --json`, the snapshot table and the NDJSON events of a scripted
//! run, on the default devnet scenario, compared with the files in `tests/fixtures/golden/`.
//! They are the contract of the machine and people outputs: a change to them is made on
//! purpose, in the same commit as the code that makes it, with the reason in the message.
//!
//! What varies from run to run is normalised before comparing: wall-clock times (the devnet
//! plays its history relative to now), transaction and block hashes (they depend on those
//! times), loopback ports and ages in seconds. Everything else must match byte for byte.
//!
//! To rewrite the files after a deliberate change: `POPWATCH_BLESS=1 scripts/test golden`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use popwatch_devnet::{Devnet, Role, Scenario};

use crate::support::{self, schema};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden")
}

/// Replaces what differs between two runs on the same scenario with placeholders.
fn normalise(text: &str) -> String {
    let rules = [
        // RFC 3339 times, with or without fractions, in UTC or with an offset.
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "<time>",
        ),
        // Transaction and block hashes (32 bytes).
        (r"0x[0-9a-fA-F]{64}", "<hash>"),
        // Loopback servers listen on free ports.
        (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
        // Ages measured against the wall clock.
        (r#""age_secs": \d+"#, r#""age_secs": <secs>"#),
        (r"ok, \d+s old", "ok, <secs>s old"),
        // The devnet's history ends today: which months its Transfers fall in depends on the
        // date (tests/integration/holders.rs checks the months against the block times).
        (
            r#"(?s)"activity": \[.*?\n    \],"#,
            r#""activity": "<months>","#,
        ),
    ];
    let mut out = text.to_owned();
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .expect("a valid pattern")
            .replace_all(&out, with)
            .into_owned();
    }
    out
}

/// Compares `actual` (normalised) with the golden file `name`, or rewrites the file when
/// `POPWATCH_BLESS` is set.
fn assert_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    let actual = normalise(actual);
    if std::env::var_os("POPWATCH_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with POPWATCH_BLESS=1 scripts/test golden",
            path.display()
        )
    });
    if expected != actual {
        // Kept for a look after a CI run: target/golden-actual/<name>.
        let kept = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/golden-actual");
        let _ = std::fs::create_dir_all(&kept);
        let _ = std::fs::write(kept.join(name), &actual);
        let first_difference = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .map(|(i, (e, a))| format!("line {}:\n  golden: {e}\n  actual: {a}", i + 1))
            .unwrap_or_else(|| {
                format!(
                    "line counts differ: golden {}, actual {}",
                    expected.lines().count(),
                    actual.lines().count()
                )
            });
        panic!(
            "{} differs from this run ({first_difference}).\nIf the change is deliberate, rewrite it with \
             POPWATCH_BLESS=1 scripts/test golden and say why in the commit.\n--- actual ---\n{actual}",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn snapshot_json_and_table_match_the_golden_files() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = support::fast_devnet_config(&d, dir.path());
    for (args, golden) in [
        (&["snapshot", "--json"][..], "snapshot.json"),
        (&["snapshot"][..], "snapshot.txt"),
    ] {
        let out = support::popwatch(dir.path())
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        if golden.ends_with(".json") {
            let json = serde_json::from_str(&text).unwrap();
            schema::assert_valid(schema::snapshot(), &json);
        }
        assert_golden(golden, &text);
    }
}

/// Reads `popwatch events` lines until `done` holds for one (or `limit` passes).
fn lines_until(
    rx: &std::sync::mpsc::Receiver<String>,
    limit: Duration,
    mut done: impl FnMut(&serde_json::Value) -> bool,
) -> Vec<String> {
    let deadline = Instant::now() + limit;
    let mut lines = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let event: serde_json::Value =
                serde_json::from_str(&line).expect("every line is one JSON object");
            lines.push(line);
            if done(&event) {
                return lines;
            }
        }
    }
    panic!("the awaited event did not come within {limit:?}; got:\n{lines:#?}");
}

/// The scripted run: `popwatch events` starts on the devnet (its first refresh raises the
/// standing flags and summarises the history), the whale pays the empty wallet, both sides
/// stream, then SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn events_of_a_scripted_run_match_the_golden_file() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = support::fast_devnet_config(&d, dir.path());
    let mut child = support::spawn_events(&config, dir.path());
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = lines_until(&rx, Duration::from_secs(30), |e| {
        e["kind"] == "transfers_backfilled"
    });
    // Whatever else the first refresh says arrives with it; a quiet second refresh follows.
    std::thread::sleep(Duration::from_millis(2500));
    lines.extend(rx.try_iter());

    let (whale, empty) = (d.wallet(Role::Whale).address, d.wallet(Role::Empty).address);
    d.transfer_pop(whale, empty, U256::from(4242u64))
        .await
        .unwrap();
    let (mut seen_in, mut seen_out) = (false, false);
    lines.extend(lines_until(&rx, Duration::from_secs(15), |e| {
        seen_in |= e["kind"] == "transfer_in";
        seen_out |= e["kind"] == "transfer_out";
        seen_in && seen_out
    }));
    std::thread::sleep(Duration::from_millis(2500));
    lines.extend(rx.try_iter());

    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
    for line in &lines {
        schema::assert_valid(schema::event(), &serde_json::from_str(line).unwrap());
    }
    let mut text = lines.join("\n");
    text.push('\n');
    assert_golden("events.ndjson", &text);
}
