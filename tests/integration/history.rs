//! History and events: the store survives restarts, kill -9 and corruption; retention is exact;
//! the CSV parses; `popwatch events` streams a transfer made on chain; pure diffs give
//! pool_changed and price_move.

use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use popwatch::abi::{IERC20, IUniswapV2Router02};
use popwatch::config::Config;
use popwatch::flags::Flags;
use popwatch::history::{self, Store};
use popwatch::state::market::MarketQuote;
use popwatch::state::{AppState, SourceName, Update};
use popwatch_devnet::{Devnet, Role, Scenario};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

fn priced(price: f64, at: OffsetDateTime) -> Update {
    Update::Market {
        source: SourceName::Coingecko,
        quote: Box::new(MarketQuote {
            price_usd: Some(price),
            fetched_at: Some(at),
            ..MarketQuote::default()
        }),
    }
}

#[test]
fn the_store_survives_a_restart_and_records_only_moves() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut state = AppState::new(&Config::default());
    state.apply(priced(0.00001, NOW));
    {
        let mut store = Store::open_in(dir.path()).unwrap();
        assert!(store.record(&state, &[], NOW).unwrap() >= 1);
        // Nothing moved: nothing written.
        assert_eq!(
            store
                .record(&state, &[], NOW + time::Duration::seconds(30))
                .unwrap(),
            0
        );
    }
    // A second run sees the first run's rows, and still writes only moves.
    let mut store = Store::open_in(dir.path()).unwrap();
    let rows = store.observations(NOW - time::Duration::days(1)).unwrap();
    assert!(
        rows.iter()
            .any(|r| r.series.to_string() == "price:coingecko" && r.value == 0.00001)
    );
    assert_eq!(
        store
            .record(&state, &[], NOW + time::Duration::seconds(60))
            .unwrap(),
        0
    );
    state.apply(priced(0.000012, NOW + time::Duration::seconds(90)));
    assert_eq!(
        store
            .record(&state, &[], NOW + time::Duration::seconds(90))
            .unwrap(),
        1
    );
    let version: i64 = rusqlite::Connection::open(store.path())
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        version,
        popwatch::history::migrations::LATEST,
        "the schema migrations ran"
    );
}

#[test]
fn retention_deletes_exactly_what_is_older_than_the_window() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let mut state = AppState::new(&Config::default());
    let days = |d: i64| NOW - time::Duration::days(d);
    for (i, at) in [days(91), days(90), days(89), days(0)]
        .into_iter()
        .enumerate()
    {
        state.apply(priced(0.00001 * (i + 1) as f64, at));
        store.record(&state, &[], at).unwrap();
    }
    let before = store.observations(days(1000)).unwrap();
    let older = before
        .iter()
        .filter(|r| r.ts < days(90).unix_timestamp())
        .count();
    assert!(older >= 1);
    let deleted = store.prune(90, NOW).unwrap();
    assert_eq!(deleted, older, "exactly the rows older than 90 days");
    let mut left: Vec<i64> = store
        .observations(days(1000))
        .unwrap()
        .into_iter()
        .map(|r| r.ts)
        .collect();
    left.dedup();
    assert_eq!(
        left,
        [
            days(90).unix_timestamp(),
            days(89).unix_timestamp(),
            NOW.unix_timestamp()
        ]
    );
}

#[test]
fn old_detail_is_thinned_to_the_last_value_of_each_hour() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let mut state = AppState::new(&Config::default());
    // Two days of a price moving every 10 minutes.
    let start = NOW - time::Duration::days(2);
    for i in 0..(2 * 24 * 6) {
        let at = start + time::Duration::minutes(10 * i);
        state.apply(priced(0.00001 + i as f64 * 1e-9, at));
        store.record(&state, &[], at).unwrap();
    }
    let count = |store: &Store, from: OffsetDateTime, to: OffsetDateTime| {
        store
            .observations(from)
            .unwrap()
            .into_iter()
            .filter(|r| r.series.to_string() == "price:coingecko" && r.ts < to.unix_timestamp())
            .count()
    };
    let day_ago = NOW - time::Duration::days(1);
    assert_eq!(count(&store, start, day_ago), 144);
    store.thin(NOW).unwrap();
    assert_eq!(
        count(&store, start, day_ago),
        24,
        "one row an hour before the last day"
    );
    assert_eq!(
        count(&store, day_ago, NOW),
        144,
        "full detail for the last day"
    );
    // The hour's last value is the one kept.
    let kept = store
        .observations(start)
        .unwrap()
        .into_iter()
        .find(|r| r.series.to_string() == "price:coingecko")
        .unwrap();
    assert_eq!(
        kept.ts,
        (start + time::Duration::minutes(50)).unix_timestamp()
    );
}

#[test]
fn a_corrupt_database_is_moved_aside_not_deleted() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join(history::store::FILE_NAME);
    std::fs::write(
        &path,
        b"this is not a database, but someone's data".repeat(100),
    )
    .unwrap();
    let err = Store::open(&path).err().expect("refused");
    let history::HistoryError::Corrupt { moved_to, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        std::fs::read(moved_to)
            .unwrap()
            .starts_with(b"this is not a database")
    );
    assert!(err.to_string().contains("moved aside"));
    // And a fresh store opens in its place.
    assert!(Store::open(&path).is_ok());
}

#[test]
fn price_moves_and_pool_changes_are_events() {
    let config = Config {
        alert_price_move_pct: 10.0,
        ..Config::default()
    };
    let mut prev = AppState::new(&config);
    prev.apply(priced(0.00001, NOW - time::Duration::minutes(50)));
    let mut next = prev.clone();
    next.apply(priced(0.0000111, NOW));
    let events = popwatch::events::diff(&prev, &next, &Flags::default(), &Flags::default(), NOW);
    let moved = events
        .iter()
        .find(|e| e.kind() == popwatch::events::EventKind::PriceMove)
        .expect("11% within an hour");
    assert_fits_event_schema(&events);
    assert!((json_of(moved)["change_pct"].as_f64().unwrap() - 11.0).abs() < 0.01);
    let mut calm = prev.clone();
    calm.apply(priced(0.0000109, NOW));
    assert!(
        popwatch::events::diff(&prev, &calm, &Flags::default(), &Flags::default(), NOW)
            .iter()
            .all(|e| e.kind() != popwatch::events::EventKind::PriceMove)
    );
}

/// An event as its JSON line, to read its fields as a script would.
fn json_of(event: &popwatch::events::Event) -> serde_json::Value {
    serde_json::from_str(&event.json()).unwrap()
}

fn assert_fits_event_schema(events: &[popwatch::events::Event]) {
    for e in events {
        let value = serde_json::from_str(&e.json()).unwrap();
        crate::support::schema::assert_valid(crate::support::schema::event(), &value);
    }
}

/// The child's stdout, one parsed JSON object a line, on a channel.
fn json_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<serde_json::Value> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).expect("every line is one JSON object"));
        }
    });
    rx
}

use crate::support::spawn_events as popwatch_events;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_transfer_made_on_chain_streams_as_events_within_two_refreshes() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = crate::support::fast_devnet_config(&d, dir.path());
    let mut child = popwatch_events(&config, dir.path());
    let rx = json_lines(&mut child);
    // The first refresh: the backfill in one line per wallet, not a flood of transfers.
    let first = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(first["ts"].is_string() && first["kind"].is_string());
    std::thread::sleep(Duration::from_millis(500));
    let whale = d.wallet(Role::Whale).address;
    let empty = d.wallet(Role::Empty).address;
    let receipt = d
        .exec(
            whale,
            d.contracts.pop,
            IERC20::transferCall {
                to: empty,
                value: U256::from(777u64),
            },
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    while Instant::now() < deadline && seen.len() < 2 {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(200))
            && (e["kind"] == "transfer_in" || e["kind"] == "transfer_out")
        {
            seen.push(e);
        }
    }
    let by_kind = |k: &str| {
        seen.iter()
            .find(|e| e["kind"] == k)
            .unwrap_or_else(|| panic!("no {k} in {seen:?}"))
            .clone()
    };
    let out = by_kind("transfer_out");
    assert_eq!(out["amount_raw"], "777");
    assert_eq!(out["counterparty"], empty.to_checksum(None));
    assert_eq!(out["tx"], receipt.transaction_hash.to_string());
    assert_eq!(
        by_kind("transfer_in")["counterparty"],
        whale.to_checksum(None)
    );
    // SIGTERM: a clean exit.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // And it was stored: events in the history.
    let store = Store::open_in(dir.path()).unwrap();
    assert!(
        store
            .events(NOW - time::Duration::days(1))
            .unwrap()
            .iter()
            .any(|(_, json)| json.contains("\"transfer_in\""))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_big_sale_moves_a_pool_and_gives_pool_changed() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = d.config().unwrap();
    let prev = popwatch::snapshot::collect(&config).await;
    let whale = d.wallet(Role::Whale).address;
    let amount = U256::from(50_000_000u64) * d.scenario.unit();
    d.exec(
        whale,
        d.contracts.pop,
        IERC20::approveCall {
            spender: d.contracts.uniswap_v2_router,
            value: amount,
        },
    )
    .await
    .unwrap();
    d.exec(
        whale,
        d.contracts.uniswap_v2_router,
        IUniswapV2Router02::swapExactTokensForETHCall {
            amountIn: amount,
            amountOutMin: U256::ZERO,
            path: vec![d.contracts.pop, d.contracts.weth],
            to: whale,
            deadline: U256::from(u64::MAX),
        },
    )
    .await
    .unwrap();
    let next = popwatch::snapshot::collect(&config).await;
    let events = popwatch::events::diff(
        &prev,
        &next,
        &Flags::default(),
        &Flags::default(),
        OffsetDateTime::now_utc(),
    );
    let changed = events
        .iter()
        .find(|e| e.kind() == popwatch::events::EventKind::PoolChanged)
        .expect("the V2 pool moved");
    assert_eq!(
        json_of(changed)["pool"],
        d.pools.uniswap_v2.unwrap().to_checksum(None)
    );
    assert!(
        json_of(changed)["change"]
            .as_str()
            .unwrap()
            .contains("reserves moved")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn kill_9_during_writes_leaves_a_database_that_opens_and_the_csv_parses() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = crate::support::fast_devnet_config(&d, dir.path());
    let mut child = popwatch_events(&config, dir.path());
    // Let it refresh a few times while the chain moves.
    for i in 0..4u64 {
        std::thread::sleep(Duration::from_millis(700));
        d.exec(
            d.wallet(Role::Whale).address,
            d.contracts.pop,
            IERC20::transferCall {
                to: Address::repeat_byte(0x31),
                value: U256::from(i + 1),
            },
        )
        .await
        .unwrap();
    }
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let store = Store::open_in(dir.path()).expect("opens after kill -9");
    assert!(
        !store
            .observations(NOW - time::Duration::days(1))
            .unwrap()
            .is_empty()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_popwatch"))
        .args(["history", "--csv", "--days", "2", "--config"])
        .arg(&config)
        .env("POPWATCH_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "time,portfolio_paper_usd,portfolio_exit_usd,price_coingecko_usd,price_coinpaprika_usd,price_dexscreener_usd,price_onchain_usd"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells.len(), 7, "{row}");
        assert!(
            OffsetDateTime::parse(cells[0], &time::format_description::well_known::Rfc3339).is_ok()
        );
        for c in &cells[1..] {
            assert!(c.is_empty() || c.parse::<f64>().is_ok(), "{c}");
        }
    }
}

#[test]
fn a_restart_opens_on_the_last_recorded_figures_marked_with_their_age() {
    let dir = tempfile::TempDir::new().unwrap();
    let wallet = Address::repeat_byte(0x11);
    let config = Config {
        wallets: vec![popwatch::config::WalletConfig {
            label: "w".into(),
            address: wallet,
            ens: None,
        }],
        ..Config::default()
    };
    let recorded_at = NOW - time::Duration::hours(3);
    {
        let mut state = AppState::new(&config);
        state.wallets[0].pop_raw = Some(U256::from(123_456_789_000_000_000_000u128));
        state.apply(priced(0.0000123, recorded_at));
        Store::open_in(dir.path())
            .unwrap()
            .record(&state, &[], recorded_at)
            .unwrap();
    }
    let store = Store::open_in(dir.path()).unwrap();
    let mut fresh = AppState::new(&config);
    fresh.apply(history::restored_update(&store).expect("something was recorded"));
    assert_eq!(
        fresh.wallets[0].pop_raw,
        Some(U256::from(123_456_789_000_000_000_000u128)),
        "exact, from the raw column"
    );
    assert_eq!(
        fresh.market[&SourceName::Coingecko].price_usd,
        Some(0.0000123)
    );
    // Shown with their age: the sources say when the figures are from, so they read as stale.
    assert_eq!(
        fresh.sources[&SourceName::Coingecko].last_ok_at,
        Some(recorded_at)
    );
    let flags = popwatch::flags::evaluate(&fresh, NOW, None);
    assert!(
        flags
            .raised
            .iter()
            .any(|w| w.id == "source_failing" && w.detail.contains("old")),
        "{:?}",
        flags.raised
    );
    // A fresh read is never overwritten by a restored figure.
    let mut read = AppState::new(&config);
    read.wallets[0].pop_raw = Some(U256::from(1u8));
    read.apply(history::restored_update(&store).unwrap());
    assert_eq!(read.wallets[0].pop_raw, Some(U256::from(1u8)));
}

/// Runs `popwatch events` until `until` holds for a line (or 20 s pass), then stops it with
/// SIGTERM; returns the lines.
fn events_until(
    config: &std::path::Path,
    data: &std::path::Path,
    until: impl Fn(&serde_json::Value) -> bool,
) -> Vec<serde_json::Value> {
    let mut child = popwatch_events(config, data);
    let rx = json_lines(&mut child);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut lines = Vec::new();
    while Instant::now() < deadline {
        if let Ok(v) = rx.recv_timeout(Duration::from_millis(200)) {
            let done = until(&v);
            lines.push(v);
            if done {
                break;
            }
        }
    }
    // One more refresh, so the run records its last block.
    std::thread::sleep(Duration::from_millis(1500));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn transfers_made_while_away_are_reported_at_the_next_start() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = crate::support::fast_devnet_config(&d, dir.path());
    // The very first run: the history is summarised, no transfer events.
    let first = events_until(&config, dir.path(), |e| e["kind"] == "transfers_backfilled");
    assert!(
        first
            .iter()
            .all(|e| e["kind"] != "transfer_in" && e["kind"] != "transfer_out"),
        "{first:?}"
    );
    // While popwatch is not running, the whale pays the empty wallet.
    let (whale, empty) = (d.wallet(Role::Whale).address, d.wallet(Role::Empty).address);
    let receipt = d
        .exec(
            whale,
            d.contracts.pop,
            IERC20::transferCall {
                to: empty,
                value: U256::from(4242u64),
            },
        )
        .await
        .unwrap();
    let second = events_until(&config, dir.path(), |e| e["kind"] == "transfer_in");
    let inbound = second
        .iter()
        .find(|e| e["kind"] == "transfer_in")
        .expect("the transfer made while away");
    assert_eq!(inbound["amount_raw"], "4242");
    assert_eq!(inbound["tx"], receipt.transaction_hash.to_string());
    // Only that one: older transfers stay summarised.
    assert_eq!(
        second
            .iter()
            .filter(|e| e["kind"] == "transfer_in" || e["kind"] == "transfer_out")
            .count(),
        2
    );
}

#[test]
fn a_drained_or_new_pool_is_an_event() {
    use popwatch::state::exits::{PoolState, Venue};
    let pool = |weth: u64| PoolState {
        venue: Venue::UniswapV2,
        address: Address::repeat_byte(0x99),
        fee_ppm: 3000,
        pop_reserve_raw: U256::from(1_000u64),
        weth_reserve_wei: U256::from(weth),
        spot_weth_per_pop: 0.0,
        ladder: Vec::new(),
        sellable_within: Vec::new(),
    };
    let mut prev = AppState::new(&Config::default());
    prev.exits_computed = true;
    let mut created = prev.clone();
    created.pools = vec![pool(500)];
    let events = popwatch::events::diff(&prev, &created, &Flags::default(), &Flags::default(), NOW);
    assert_fits_event_schema(&events);
    assert_eq!(
        events
            .iter()
            .find(|e| e.kind() == popwatch::events::EventKind::PoolChanged)
            .map(json_of)
            .unwrap()["change"],
        "created"
    );
    let mut drained = created.clone();
    drained.pools = vec![pool(0)];
    let events = popwatch::events::diff(
        &created,
        &drained,
        &Flags::default(),
        &Flags::default(),
        NOW,
    );
    assert_eq!(
        events
            .iter()
            .find(|e| e.kind() == popwatch::events::EventKind::PoolChanged)
            .map(json_of)
            .unwrap()["change"],
        "drained"
    );
    let mut gone = created.clone();
    gone.pools.clear();
    let events = popwatch::events::diff(&created, &gone, &Flags::default(), &Flags::default(), NOW);
    assert_eq!(
        events
            .iter()
            .find(|e| e.kind() == popwatch::events::EventKind::PoolChanged)
            .map(json_of)
            .unwrap()["change"],
        "drained"
    );
    // A pool whose state read failed is unknown this refresh: no "drained" event.
    let mut unread = created.clone();
    unread.pools.clear();
    unread.unread_pools = vec![Address::repeat_byte(0x99)];
    assert!(
        popwatch::events::diff(&created, &unread, &Flags::default(), &Flags::default(), NOW)
            .iter()
            .all(|e| e.kind() != popwatch::events::EventKind::PoolChanged),
        "a failed read is not a drained pool"
    );
    // Under 1% is no change.
    let mut nudged = created.clone();
    nudged.pools = vec![pool(504)];
    assert!(
        popwatch::events::diff(&created, &nudged, &Flags::default(), &Flags::default(), NOW)
            .iter()
            .all(|e| e.kind() != popwatch::events::EventKind::PoolChanged)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn two_writers_share_one_history_file() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = crate::support::fast_devnet_config(&d, dir.path());
    // Two processes (as the app and `popwatch events` would be) on the same file.
    let a = popwatch_events(&config, dir.path());
    let b = popwatch_events(&config, dir.path());
    std::thread::sleep(Duration::from_millis(1500));
    d.exec(
        d.wallet(Role::Whale).address,
        d.contracts.pop,
        IERC20::transferCall {
            to: d.wallet(Role::Empty).address,
            value: U256::from(99u64),
        },
    )
    .await
    .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    for child in [a, b] {
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
    }
    let store = Store::open_in(dir.path()).unwrap();
    let events = store.events(NOW - time::Duration::days(1)).unwrap();
    // Both saw the transfer; it is stored once per wallet side.
    let transfers = events
        .iter()
        .filter(|(_, json)| json.contains("\"amount_raw\":\"99\""))
        .count();
    assert_eq!(
        transfers, 2,
        "one transfer_out and one transfer_in, not doubled"
    );
}

/// Retention is measured from the newest row recorded, not from the clock: a clock set a year
/// forward, or back before the rows, prunes nothing it should keep (before, a clock set
/// forward deleted every row), and an absurd `history_days` is no overflow.
#[test]
fn a_clock_set_forward_or_back_never_empties_the_history() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let mut state = AppState::new(&Config::default());
    let days = |d: i64| NOW - time::Duration::days(d);
    for (i, at) in [days(10), days(5), days(0)].into_iter().enumerate() {
        state.apply(priced(0.00001 * (i + 1) as f64, at));
        store.record(&state, &[], at).unwrap();
    }
    let kept = store.observations(days(1000)).unwrap().len();
    assert!(kept >= 3);
    assert_eq!(
        store.prune(90, NOW + time::Duration::days(400)).unwrap(),
        0,
        "forward"
    );
    assert_eq!(store.prune(90, days(30)).unwrap(), 0, "back");
    assert_eq!(store.prune(u64::MAX, NOW).unwrap(), 0, "huge history_days");
    assert_eq!(store.observations(days(1000)).unwrap().len(), kept);
}

/// Only a file SQLite calls damaged is moved aside: one it cannot open for another reason
/// (here the path is a directory, as a permission or read-only error would be for a user) is
/// reported and left exactly where it is. Before, any such error moved it aside as "corrupt".
#[test]
fn a_history_that_cannot_be_opened_is_reported_and_left_untouched() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join(history::store::FILE_NAME);
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("keep"), b"the user's").unwrap();
    let err = Store::open(&path).err().expect("refused");
    assert!(
        !matches!(err, history::HistoryError::Corrupt { .. }),
        "{err}"
    );
    assert_eq!(std::fs::read(path.join("keep")).unwrap(), b"the user's");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1, "nothing moved aside or created");
}

/// `popwatch history` only reads: on a data directory without history it says so and
/// creates nothing.
#[test]
fn the_history_command_creates_nothing() {
    let data = tempfile::TempDir::new().unwrap();
    let config = data.path().join("c.toml");
    std::fs::write(&config, "").unwrap();
    let out = crate::support::popwatch(data.path())
        .args(["history", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!data.path().join(history::store::FILE_NAME).exists());
}

/// Flags across restarts and processes: a flag standing when popwatch last ran is not raised
/// (nor alerted) again at start, one that cleared meanwhile is reported cleared, and a flag
/// event another process sharing the history recorded first is not recorded or alerted twice.
#[test]
fn standing_flags_are_not_raised_again_and_two_writers_record_a_flag_once() {
    use popwatch::monitor::Monitor;
    let dir = tempfile::TempDir::new().unwrap();
    let config = Config::default();
    let mut failing = AppState::new(&config);
    failing.apply(Update::SourceFailed {
        source: SourceName::Coingecko,
        error: "HTTP 503".into(),
    });
    let raised = |events: &[popwatch::events::Event], kind: &str| {
        events
            .iter()
            .map(json_of)
            .filter(|e| {
                e["kind"] == kind && e["id"] == "source_failing" && e["subject"] == "coingecko"
            })
            .count()
    };
    // First run: raised, recorded, returned as new.
    let mut first = Monitor::new(failing.clone(), NOW);
    let settled = first.judge(NOW);
    assert_eq!(raised(&settled.events, "flag_raised"), 1);
    let mut store = Store::open_in(dir.path()).unwrap();
    let (_, new) = store
        .record_new(history::Recording::of(&failing), &settled.events, NOW)
        .unwrap();
    assert_eq!(raised(&new, "flag_raised"), 1);
    // A second process judging the same: its flag_raised (another key) is not new.
    let mut second = Monitor::new(failing.clone(), NOW + time::Duration::seconds(7));
    let settled = second.judge(NOW + time::Duration::seconds(7));
    let (_, new) = store
        .record_new(
            history::Recording::of(&failing),
            &settled.events,
            NOW + time::Duration::seconds(7),
        )
        .unwrap();
    assert_eq!(
        raised(&new, "flag_raised"),
        0,
        "recorded once, alerted once"
    );
    // A restart: the standing flag is not raised again.
    let standing = store.standing_flags().unwrap();
    assert!(
        standing
            .iter()
            .any(|(id, subject, _, _)| id == "source_failing" && subject == "coingecko")
    );
    let mut restarted = Monitor::new(failing.clone(), NOW).standing(&standing);
    let settled = restarted.judge(NOW + time::Duration::minutes(5));
    assert_eq!(
        raised(&settled.events, "flag_raised"),
        0,
        "standing, not raised again"
    );
    // It cleared while popwatch was not running: reported cleared at start.
    let healthy = AppState::new(&config);
    let mut restarted = Monitor::new(healthy, NOW).standing(&standing);
    let settled = restarted.judge(NOW + time::Duration::minutes(5));
    assert_eq!(raised(&settled.events, "flag_cleared"), 1);
}

/// The CSV of `popwatch history` over `store`, as (time, price_coingecko_usd) per row.
fn csv_prices(store: &Store) -> Vec<(String, String)> {
    let since = NOW - time::Duration::days(1);
    let csv = history::history_table(
        &store.observations(since).unwrap(),
        &store.spans(since).unwrap(),
        true,
    );
    csv.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[0].to_owned(), cells[3].to_owned())
        })
        .collect()
}

#[test]
fn two_snapshots_an_hour_apart_are_two_observations_with_a_gap_between() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut state = AppState::new(&Config::default());
    state.apply(priced(0.00001, NOW));
    // Two separate runs (as `popwatch snapshot` from cron), an hour apart, nothing moving.
    for at in [NOW, NOW + time::Duration::hours(1)] {
        let mut store = Store::open_in(dir.path()).unwrap();
        assert!(store.record(&state, &[], at).unwrap() >= 1, "{at}");
    }
    let store = Store::open_in(dir.path()).unwrap();
    let spans = store.spans(NOW - time::Duration::days(1)).unwrap();
    assert_eq!(spans.len(), 2, "{spans:?}");
    let prices = store
        .observations(NOW - time::Duration::days(1))
        .unwrap()
        .into_iter()
        .filter(|o| o.series.to_string() == "price:coingecko")
        .count();
    assert_eq!(prices, 2, "each span starts with every value");
    assert_eq!(
        csv_prices(&store),
        [
            ("2026-11-25T12:00:00Z".to_owned(), "0.00001".to_owned()),
            // Nothing was watched from here: empty, not carried.
            ("2026-11-25T12:00:01Z".to_owned(), String::new()),
            ("2026-11-25T13:00:00Z".to_owned(), "0.00001".to_owned()),
        ]
    );
    let table = history::history_table(
        &store.observations(NOW - time::Duration::days(1)).unwrap(),
        &spans,
        false,
    );
    assert!(
        table.contains("(not watched until 2026-11-25T13:00:00Z)"),
        "{table}"
    );
}

#[test]
fn a_value_that_does_not_move_carries_forward_while_watched() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut state = AppState::new(&Config::default());
    state.apply(priced(0.00001, NOW));
    let mut store = Store::open_in(dir.path()).unwrap();
    for secs in [0, 30, 60] {
        store
            .record(&state, &[], NOW + time::Duration::seconds(secs))
            .unwrap();
    }
    assert_eq!(store.spans(NOW).unwrap().len(), 1);
    // Written once, shown at the span's start and its end: watched, unchanged.
    assert_eq!(
        csv_prices(&store),
        [
            ("2026-11-25T12:00:00Z".to_owned(), "0.00001".to_owned()),
            ("2026-11-25T12:01:00Z".to_owned(), "0.00001".to_owned()),
        ]
    );
    // The chart restored from it draws one line, then a gap before this session.
    let updates = history::recorded_updates(&store, NOW + time::Duration::hours(1));
    let mut state = AppState::new(&Config::default());
    for u in updates {
        state.apply(u);
    }
    let points: Vec<_> = state.portfolio_history.iter().collect();
    assert!(
        points
            .last()
            .is_some_and(|(at, p, e)| p.is_none() && e.is_none() && *at > NOW),
        "a gap marker after the last span: {points:?}"
    );
}

#[test]
fn snapshot_records_its_observation_unless_told_not_to() {
    let home = tempfile::TempDir::new().unwrap();
    let config = home.path().join("config.toml");
    // No chain to read: the snapshot still records what it observed (the market is unknown
    // too), so the history knows popwatch watched then.
    std::fs::write(
        &config,
        "[chain]\nrpc_urls = [\"http://127.0.0.1:9\"]\ntimeout_secs = 1\n[market]\ncoingecko_url = \"http://127.0.0.1:9\"\ncoinpaprika_url = \"http://127.0.0.1:9\"\ndexscreener_url = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let data = home.path().join("data");
    let run = |args: &[&str]| {
        crate::support::popwatch(&data)
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap()
    };
    run(&["snapshot", "--no-history"]);
    assert!(
        !data.join(popwatch::history::store::FILE_NAME).exists(),
        "--no-history leaves no history"
    );
    run(&["snapshot"]);
    let store = Store::open_in(&data).unwrap();
    assert_eq!(
        store
            .spans(OffsetDateTime::now_utc() - time::Duration::hours(1))
            .unwrap()
            .len(),
        1
    );
}
