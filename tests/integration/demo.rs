//! `--demo` as a new user meets it: every view and overlay holds what the real sources would
//! put there (peers, venues, sell checks, names, holders, the index), driven through the app's
//! real loop on a `TestBackend`; and its pace is a near-dead token's, a few alerts an hour
//! (`popwatch events` over the demo for an hour of a paused clock).

use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use popwatch::sources::Source;
use popwatch::sources::demo::{DemoSource, config};
use popwatch::sources::runner::{Runner, SourceEvent};
use popwatch::tui::{App, Host};
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use time::OffsetDateTime;

struct QuietHost;

impl<B: Backend> Host<B> for QuietHost {
    fn alert(&mut self) {}
    fn suspend(&mut self, _terminal: &mut Terminal<B>) -> std::io::Result<()> {
        Ok(())
    }
}

/// One key after a second, then the input ends (and with it this turn of the loop) a second
/// later: long enough for the next refresh to land.
fn one_key(code: KeyCode) -> impl futures::Stream<Item = std::io::Result<TermEvent>> + Unpin {
    let started = tokio::time::Instant::now();
    Box::pin(futures::stream::unfold(
        Some(code),
        move |code| async move {
            match code {
                Some(code) => {
                    tokio::time::sleep_until(started + Duration::from_secs(1)).await;
                    Some((
                        Ok(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))),
                        None,
                    ))
                }
                None => {
                    tokio::time::sleep_until(started + Duration::from_secs(3)).await;
                    None
                }
            }
        },
    ))
}

/// Placeholders a view shows when no source filled it: none may remain in the demo.
const PLACEHOLDERS: [&str; 6] = [
    "no venue known",
    "not run",
    "counted from the log index once it is read",
    "— (no answer)",
    "loading",
    "not read yet",
];

#[tokio::test(start_paused = true)]
async fn every_view_and_overlay_of_the_demo_has_content() {
    let config = config();
    let sources: Vec<Box<dyn Source>> = vec![Box::new(DemoSource::new())];
    let mut app: App =
        popwatch::tui::prepare(&config, &sources, true, None, OffsetDateTime::now_utc());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<SourceEvent>();
    let mut runner = Runner::spawn(sources, tx);
    let mut terminal = Terminal::new(TestBackend::new(150, 45)).unwrap();
    let mut host = QuietHost;
    let mut press = async |code: KeyCode, app: &mut App, terminal: &mut Terminal<TestBackend>| {
        popwatch::tui::event_loop(
            terminal,
            app,
            &mut rx,
            one_key(code),
            Some(&mut runner),
            None,
            &mut host,
        )
        .await
        .unwrap();
        crate::support::screen(terminal)
    };
    let ch = KeyCode::Char;
    for (code, shows) in [
        (
            ch('1'),
            &["DEMO — simulated data", "Whale", "total exit"][..],
        ),
        (
            ch('2'),
            &["hotbit", "STALE", "uniswap", "absent from the majors"][..],
        ),
        (ch('3'), &["Uniswap V1", "Uniswap V2", "ladder"][..]),
        (ch('4'), &["[exit_below_gas]", "[concentrated_supply]"][..]),
        (ch('5'), &["first Transfer", "complete:", "from block"][..]),
        (ch('6'), &["THETA", "AUDIO", "volume 24h"][..]),
        (
            ch('7'),
            &[
                "Where the supply sits",
                "add up to totalSupply to the wei",
                "Team",
                "popnetwork.eth",
                "Vesting",
            ][..],
        ),
        (ch('G'), &["█", " · "][..]),
        (ch('1'), &["Whale"][..]),
        (
            KeyCode::Enter,
            &["popwhale.eth", "succeeds in simulation", "Etherscan"][..],
        ),
        (KeyCode::Esc, &["total exit"][..]),
        (ch('c'), &["POP price per source", "-7d"][..]),
        (ch('c'), &["total exit"][..]),
        (ch('a'), &["Alerts ·"][..]),
        (ch('a'), &["total exit"][..]),
        (ch('?'), &["Keys · Esc closes"][..]),
    ] {
        let shown = press(code, &mut app, &mut terminal).await;
        for expected in shows {
            assert!(
                shown.contains(expected),
                "{code:?}: no {expected:?} in\n{shown}"
            );
        }
        for placeholder in PLACEHOLDERS {
            assert!(
                !shown.contains(placeholder),
                "{code:?}: the placeholder {placeholder:?} in\n{shown}"
            );
        }
        if code == KeyCode::Char('?') {
            press(KeyCode::Esc, &mut app, &mut terminal).await;
        }
    }
    // The dust wallet's sell check: too small to sell, the others' sales go through.
    let exits: Vec<_> = app
        .state()
        .wallets
        .iter()
        .filter_map(|w| Some((w.label.clone(), w.sell_check.clone()?)))
        .collect();
    assert!(
        exits.iter().any(|(label, c)| label == "Dust"
            && c.outcome == popwatch::state::exits::SellOutcome::TooSmall),
        "{exits:?}"
    );
    assert!(
        exits
            .iter()
            .filter(|(label, _)| label != "Dust")
            .all(|(_, c)| c.outcome == popwatch::state::exits::SellOutcome::Sells),
        "{exits:?}"
    );
    drop(runner);
}

/// An hour of the demo, as `popwatch events` prints it: a transfer now and then, a pool
/// change, a provider rate-limiting and recovering: a few dozen events at most, each kind
/// present, not the hundreds an hour the demo used to make.
#[tokio::test(start_paused = true)]
async fn an_hour_of_the_demo_is_a_near_dead_tokens_hour() {
    let config = config();
    let dir = tempfile::TempDir::new().unwrap();
    let mut printed = Vec::new();
    popwatch::cmd::events::events_loop(
        &config,
        dir.path(),
        vec![Box::new(DemoSource::new())],
        tokio::time::sleep(Duration::from_secs(3600)),
        &mut printed,
    )
    .await;
    let lines: Vec<serde_json::Value> = String::from_utf8(printed)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    // The first judgement reports what stands (the flags raised at start, the wallets'
    // earlier transfers): counted apart from the hour's news.
    let news = kinds
        .iter()
        .filter(|k| !matches!(**k, "flag_raised" | "transfers_backfilled"))
        .count();
    eprintln!(
        "an hour of the demo: {} events, {news} of them news",
        lines.len()
    );
    assert!(news <= 40, "{news} events in an hour: {kinds:?}");
    for kind in ["transfer_in", "pool_changed", "source_state"] {
        assert!(kinds.contains(&kind), "no {kind} in an hour: {kinds:?}");
    }
    assert!(lines.len() <= 80, "{} events: {kinds:?}", lines.len());
}
