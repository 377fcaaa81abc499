//! The front ends are thin drivers over one monitor and one runner: under a manual clock
//! (tokio's paused time) `popwatch events` asks each source no more often than its own
//! interval, and the same scripted refreshes through the terminal app's real loop (on
//! `TestBackend`, keys fed as an input stream) and through `events` give the same events and
//! the same recorded history.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy::primitives::{Address, U256};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::future::BoxFuture;
use popwatch::config::{Config, WalletConfig};
use popwatch::history::Store;
use popwatch::sources::runner::{Runner, SourceEvent};
use popwatch::sources::{Source, UpdateSender};
use popwatch::state::market::MarketQuote;
use popwatch::state::{SourceName, Update};
use popwatch::tui::{App, Host};
use popwatch_devnet::reading::{ReadingBuilder, e18};
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use time::OffsetDateTime;

/// A source with a real source's name and interval whose refreshes are counted instead of
/// made: no network under a manual clock.
struct Counted {
    name: SourceName,
    interval: Duration,
    refreshes: Arc<AtomicUsize>,
}

impl Source for Counted {
    fn name(&self) -> SourceName {
        self.name
    }
    fn interval(&self) -> Duration {
        self.interval
    }
    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let _ = out.send(Update::SourceOk {
            source: self.name,
            at: OffsetDateTime::now_utc(),
        });
        Box::pin(async {})
    }
}

#[tokio::test(start_paused = true)]
async fn events_asks_the_market_no_more_often_than_market_refresh_secs() {
    let config = Config {
        refresh_secs: 1,
        market_refresh_secs: 3600,
        ..Config::default()
    };
    // popwatch's own sources for this config, their refreshes counted.
    let mut counts = Vec::new();
    let sources: Vec<Box<dyn Source>> = popwatch::sources::sources_for(&config)
        .into_iter()
        .map(|real| {
            let refreshes = Arc::new(AtomicUsize::new(0));
            counts.push((real.name(), refreshes.clone()));
            Box::new(Counted {
                name: real.name(),
                interval: real.interval(),
                refreshes,
            }) as Box<dyn Source>
        })
        .collect();
    let dir = tempfile::TempDir::new().unwrap();
    let two_hours = tokio::time::sleep(Duration::from_secs(2 * 3600 + 60));
    let mut out = Vec::new();
    popwatch::cmd::events::events_loop(&config, dir.path(), sources, two_hours, &mut out).await;
    for (name, refreshes) in &counts {
        let n = refreshes.load(Ordering::SeqCst);
        if *name == SourceName::Chain {
            assert!(n > 7_000, "the chain every second: {n}");
        } else {
            // At 0 s, 3,600 s and 7,200 s.
            assert_eq!(n, 3, "{name:?} asked {n} times in two hours");
        }
    }
}

/// A source that sends one scripted batch of updates per refresh (then only `SourceOk`).
struct Scripted {
    name: SourceName,
    interval: Duration,
    batches: VecDeque<Vec<Update>>,
}

impl Source for Scripted {
    fn name(&self) -> SourceName {
        self.name
    }
    fn interval(&self) -> Duration {
        self.interval
    }
    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()> {
        for update in self.batches.pop_front().unwrap_or_default() {
            let _ = out.send(update);
        }
        let _ = out.send(Update::SourceOk {
            source: self.name,
            at: OffsetDateTime::now_utc(),
        });
        Box::pin(async {})
    }
}

/// The script's clock: the same instants for both drivers' copies of it.
fn t0() -> OffsetDateTime {
    static T0: std::sync::OnceLock<OffsetDateTime> = std::sync::OnceLock::new();
    *T0.get_or_init(OffsetDateTime::now_utc)
}

const WHALE: Address = Address::repeat_byte(0x11);
const POOL: Address = Address::repeat_byte(0x99);

fn config() -> Config {
    Config {
        refresh_secs: 10,
        market_refresh_secs: 35,
        wallets: vec![WalletConfig {
            label: "Whale".into(),
            address: WHALE,
            ens: None,
        }],
        ..Config::default()
    }
}

/// One chain refresh: the whale's POP, a V2 pool with `pool_eth` ETH, and its exits.
fn chain_refresh(pop: u64, pool_eth: u64) -> Vec<Update> {
    let mut reading = ReadingBuilder::new(t0()).wallet(WHALE, e18(pop), e18(1));
    if pool_eth > 0 {
        reading = reading.v2_pool(
            POOL,
            e18(pool_eth) * U256::from(300_000_000u64),
            e18(pool_eth),
        );
    }
    let reading = reading.build();
    let exits = popwatch::exit::compute::compute(&reading, 18);
    vec![
        Update::ChainRead(Box::new(reading)),
        Update::Exits(Box::new(exits)),
    ]
}

fn market_refresh(price: f64, minutes_ago: i64) -> Vec<Update> {
    vec![Update::Market {
        source: SourceName::Coingecko,
        quote: Box::new(MarketQuote {
            price_usd: Some(price),
            market_cap_usd: Some(15_000.0),
            volume_24h_usd: Some(40.0),
            fetched_at: Some(t0() - time::Duration::minutes(minutes_ago)),
            ..MarketQuote::default()
        }),
    }]
}

/// The script both drivers get: the chain every 10 s (a pool drained, a sale, the pool
/// refilled), CoinGecko every 35 s (a 30% move within the hour), never at the same instant
/// after the start.
fn scripted_sources() -> Vec<Box<dyn Source>> {
    let chain = [
        chain_refresh(1_000_000, 2),
        chain_refresh(1_000_000, 2),
        chain_refresh(1_000_000, 0),
        chain_refresh(400_000, 0),
        chain_refresh(400_000, 3),
        chain_refresh(400_000, 3),
    ];
    let market = [market_refresh(0.00001, 40), market_refresh(0.000013, 0)];
    vec![
        Box::new(Scripted {
            name: SourceName::Chain,
            interval: Duration::from_secs(10),
            batches: chain.into_iter().collect(),
        }),
        Box::new(Scripted {
            name: SourceName::Coingecko,
            interval: Duration::from_secs(35),
            batches: market.into_iter().collect(),
        }),
    ]
}

/// How long each driver runs: the script's refreshes at 0–50 s (chain) and 0 and 35 s
/// (market), none at the end.
const RUN: Duration = Duration::from_secs(65);

/// An event without its wall-clock time.
fn timeless(json: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    value.as_object_mut().unwrap().remove("ts");
    value
}

/// The recorded history: each series' last value (rows are keyed by the wall clock's second,
/// which a paused tokio clock does not move, so earlier rows of a run may share one) and the
/// distinct events stored, without their times.
#[allow(clippy::type_complexity)]
fn recorded(
    dir: &Path,
) -> (
    Vec<(String, String, Option<String>)>,
    Vec<serde_json::Value>,
) {
    let store = Store::open_in(dir).unwrap();
    let mut last: Vec<(String, String, Option<String>)> = store
        .latest()
        .unwrap()
        .into_iter()
        .map(|r| (r.series.to_string(), format!("{}", r.value), r.raw))
        .collect();
    last.sort();
    // The store keeps one event per key, and some keys carry the wall clock's second (which a
    // paused tokio clock does not move): the same event twice within one second is stored
    // once. So the stored events are compared as a set.
    let mut events: Vec<serde_json::Value> = store
        .events(OffsetDateTime::UNIX_EPOCH)
        .unwrap()
        .into_iter()
        .map(|(_, json)| timeless(&json))
        .collect();
    events.sort_by_key(|e| e.to_string());
    events.dedup();
    (last, events)
}

/// The terminal the test drives: counts the bells.
#[derive(Default)]
struct TestHost {
    alerts: usize,
    copied: Vec<String>,
    mouse: Vec<bool>,
}

impl<B: Backend> Host<B> for TestHost {
    fn alert(&mut self) {
        self.alerts += 1;
    }
    fn suspend(&mut self, _terminal: &mut Terminal<B>) -> std::io::Result<()> {
        Ok(())
    }
    fn copy(&mut self, text: &str) {
        self.copied.push(text.to_owned());
    }
    fn capture_mouse(&mut self, captured: bool) {
        self.mouse.push(captured);
    }
}

fn key(c: char) -> std::io::Result<TermEvent> {
    Ok(TermEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

/// Keys typed at moments of the run, then the input ends (and with it the loop).
fn typed(
    keys: Vec<(Duration, char)>,
    end: Duration,
) -> impl futures::Stream<Item = std::io::Result<TermEvent>> + Unpin {
    let started = tokio::time::Instant::now();
    let keys = Arc::new(Mutex::new(VecDeque::from(keys)));
    Box::pin(futures::stream::unfold(keys, move |keys| async move {
        let next = keys.lock().unwrap().pop_front();
        match next {
            Some((at, c)) => {
                tokio::time::sleep_until(started + at).await;
                Some((key(c), keys))
            }
            None => {
                tokio::time::sleep_until(started + end).await;
                None
            }
        }
    }))
}

#[tokio::test(start_paused = true)]
async fn the_same_refreshes_give_the_same_events_and_history_in_the_app_and_in_events() {
    let config = config();

    // `popwatch events`.
    let events_dir = tempfile::TempDir::new().unwrap();
    let mut printed = Vec::new();
    popwatch::cmd::events::events_loop(
        &config,
        events_dir.path(),
        scripted_sources(),
        tokio::time::sleep(RUN),
        &mut printed,
    )
    .await;
    let printed: Vec<serde_json::Value> = String::from_utf8(printed)
        .unwrap()
        .lines()
        .map(timeless)
        .collect();

    // The terminal app: its real loop on a TestBackend, the Warnings view asked for by key.
    let app_dir = tempfile::TempDir::new().unwrap();
    let sources = scripted_sources();
    let mut app: App = popwatch::tui::prepare(
        &config,
        &sources,
        false,
        Some(app_dir.path()),
        OffsetDateTime::now_utc(),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<SourceEvent>();
    let mut runner = Runner::spawn(sources, tx);
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let mut host = TestHost::default();
    popwatch::tui::event_loop(
        &mut terminal,
        &mut app,
        &mut rx,
        typed(
            vec![
                (Duration::from_secs(60), '4'),
                (Duration::from_secs(61), 'y'),
                (Duration::from_secs(62), 'm'),
            ],
            RUN,
        ),
        Some(&mut runner),
        None,
        &mut host,
    )
    .await
    .unwrap();
    drop(runner);
    let shown: Vec<serde_json::Value> = app
        .alerts
        .iter()
        .rev()
        .map(|(event, _)| timeless(&event.json()))
        .collect();
    let final_screen = crate::support::screen(&terminal);
    let flags = app.flags().clone();
    app.monitor.finish();

    // The script made things happen, and both drivers saw the same, in the same order.
    let kinds: Vec<&str> = printed
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in ["flag_raised", "pool_changed", "price_move", "flag_cleared"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    assert_eq!(shown, printed);
    assert!(host.alerts > 0, "new events ring the app's bell");
    // `y` sent a watched wallet's address (checksummed) to the clipboard, `m` released the
    // mouse to the terminal.
    assert_eq!(host.copied.len(), 1);
    assert!(
        config
            .wallets
            .iter()
            .any(|w| w.address.to_checksum(None) == host.copied[0]),
        "{:?}",
        host.copied
    );
    assert_eq!(host.mouse, [false]);
    // The flags the app ends with are those the event stream leaves raised.
    let mut raised: Vec<(String, String)> = Vec::new();
    for e in &printed {
        let key = (e["id"].to_string(), e["subject"].to_string());
        match e["kind"].as_str() {
            Some("flag_raised") => raised.push(key),
            Some("flag_cleared") => raised.retain(|k| *k != key),
            _ => {}
        }
    }
    let mut in_app: Vec<(String, String)> = flags
        .raised
        .iter()
        .map(|w| {
            (
                serde_json::json!(w.id).to_string(),
                serde_json::json!(w.subject.as_ref().map(|s| s.id.clone()).unwrap_or_default())
                    .to_string(),
            )
        })
        .collect();
    in_app.sort();
    raised.sort();
    assert_eq!(in_app, raised);
    // The same history recorded.
    assert_eq!(recorded(app_dir.path()), recorded(events_dir.path()));
    assert!(!recorded(app_dir.path()).0.is_empty());
    // The real loop drew what the keys asked for (the Warnings view, its flags) and counts the
    // events it has not shown yet.
    assert!(
        final_screen.contains("Warnings · most severe first"),
        "{final_screen}"
    );
    assert!(final_screen.contains("[thin_liquidity]"), "{final_screen}");
    assert!(
        final_screen.contains(&format!("{} new (a)", printed.len())),
        "{final_screen}"
    );
}
