//! `alert_command` bounded (issue 24): one run per judged refresh, one run at a time, a queue
//! that drops rather than grows, the whole process group killed at the timeout, stdin written
//! without blocking anyone, and no secrets in the command's environment.

use std::time::{Duration, Instant};

use alloy::primitives::Address;
use popwatch::events::{AlertRunner, Change, Event};
use time::OffsetDateTime;

fn event(i: usize) -> Event {
    Event {
        ts: OffsetDateTime::now_utc(),
        key: format!("test-{i}"),
        change: Change::TransfersBackfilled {
            count: i,
            wallet: Address::repeat_byte(0x11),
            wallet_label: "w".into(),
        },
    }
}

/// `sleep` processes whose command line holds `marker` (not the `sh` that started them).
fn running(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).into_owned())
        .filter(|cmdline| cmdline.starts_with("sleep\0") && cmdline.contains(marker))
        .count()
}

fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} after {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A command that never reads its stdin (2,000 events: more than a pipe holds) and leaves a
/// sleeping child behind: handing the events over returns at once, and at the timeout the
/// whole group is gone, the child included. Before, the write blocked the thread before its
/// timeout started, and only `sh` would have been killed.
#[test]
fn a_command_that_never_reads_and_forks_a_sleeper_is_killed_whole() {
    let marker = format!("3{}.25", std::process::id());
    let runner = AlertRunner::with_timeout(
        &format!("sleep {marker} & sleep {marker}"),
        Duration::from_secs(1),
    )
    .unwrap();
    let events: Vec<Event> = (0..2_000).map(event).collect();
    let handed = Instant::now();
    runner.alert(&events);
    assert!(
        handed.elapsed() < Duration::from_millis(200),
        "{:?}",
        handed.elapsed()
    );
    wait_until("the command started", Duration::from_secs(5), || {
        running(&marker) >= 2
    });
    wait_until("the group was killed", Duration::from_secs(5), || {
        running(&marker) == 0
    });
}

/// A burst of 2,000 refreshes' events: never waited for, at most one command at a time, and
/// the runs beyond the queue dropped (not queued without bound).
#[test]
fn a_burst_runs_one_command_at_a_time_and_drops_what_the_queue_cannot_hold() {
    let dir = tempfile::TempDir::new().unwrap();
    let log = dir.path().join("runs");
    // A fifth of a second, its digits made unique by the pid: `sleep 0.2<pid>`.
    let marker = format!("0.2{}", std::process::id());
    let runner = AlertRunner::with_timeout(
        &format!("echo run >> {}; sleep {marker}", log.display()),
        Duration::from_secs(5),
    )
    .unwrap();
    let handed = Instant::now();
    for i in 0..2_000 {
        runner.alert(&[event(i)]);
    }
    assert!(
        handed.elapsed() < Duration::from_secs(1),
        "{:?}",
        handed.elapsed()
    );
    let watching = Instant::now();
    let mut seen_running = false;
    while watching.elapsed() < Duration::from_secs(3) {
        let now = running(&marker);
        assert!(now <= 1, "{now} commands at once");
        seen_running |= now == 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(seen_running, "the command was seen running");
    // Let the queue drain: what was queued ran, the rest was dropped.
    std::thread::sleep(Duration::from_millis(4500));
    let runs = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count();
    assert!(
        runs >= popwatch::events::ALERT_QUEUE,
        "{runs}: the queued runs ran"
    );
    assert!(
        runs <= popwatch::events::ALERT_QUEUE + 2,
        "{runs} runs: the queue held more than it should"
    );
}

/// End to end: `popwatch events` with the CoinGecko key in its environment runs the alert
/// command with the refresh's events, one JSON object per line on stdin, and an environment
/// without the key (nor anything but the allow-list).
#[test]
fn the_command_gets_the_events_on_stdin_and_no_secrets() {
    let home = tempfile::TempDir::new().unwrap();
    let dir = home.path();
    let config = dir.join("c.toml");
    std::fs::write(
        &config,
        format!(
            "alert_command = \"cat > {0}/stdin.txt; env > {0}/env.txt\"\n[chain]\nrpc_urls = [\"http://127.0.0.1:9\"]\ntimeout_secs = 1\n[market]\ncoingecko_url = \"http://127.0.0.1:9\"\ncoinpaprika_url = \"http://127.0.0.1:9\"\ndexscreener_url = \"http://127.0.0.1:9\"\n",
            dir.display()
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_popwatch"))
        .args(["events", "--config"])
        .arg(&config)
        .env("POPWATCH_DATA_DIR", dir.join("data"))
        .env(popwatch::config::API_KEY_ENV, "CG-topsecretkey")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let env_file = dir.join("env.txt");
    wait_until("the alert ran", Duration::from_secs(40), || {
        std::fs::read_to_string(&env_file).is_ok_and(|t| !t.is_empty())
    });
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(!env.contains("topsecret"), "{env}");
    assert!(!env.contains("POPWATCH"), "{env}");
    let stdin = std::fs::read_to_string(dir.join("stdin.txt")).unwrap();
    assert!(!stdin.is_empty());
    for line in stdin.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(event["kind"].is_string(), "{line}");
    }
}
