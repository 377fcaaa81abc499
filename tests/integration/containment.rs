//! A panic in a source's refresh is contained: it becomes a failed refresh of that source,
//! reported like any failure (a `source_state` event, the source's status), and the source
//! goes on at its next interval; `snapshot`'s one-shot refresh reports it instead of aborting.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use popwatch::config::Config;
use popwatch::sources::{Source, UpdateSender};
use popwatch::state::{SourceName, SourceStatus, Update};
use time::OffsetDateTime;

/// A source whose second refresh panics, as a bug or an unforeseen answer would make it.
struct PanicsOnce {
    refreshes: Arc<AtomicUsize>,
}

impl Source for PanicsOnce {
    fn name(&self) -> SourceName {
        SourceName::Coingecko
    }
    fn interval(&self) -> Duration {
        Duration::from_secs(10)
    }
    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()> {
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            tokio::task::yield_now().await;
            if n == 2 {
                let answer: Vec<u8> = Vec::new();
                // An index past the end of what a server sent.
                let _ = answer[7];
            }
            let _ = out.send(Update::SourceOk {
                source: SourceName::Coingecko,
                at: OffsetDateTime::now_utc(),
            });
        })
    }
}

/// `popwatch events`' loop over `sources` for `secs` of (paused) time: the `source_state`
/// events it printed.
async fn source_states(sources: Vec<Box<dyn Source>>, secs: u64) -> Vec<serde_json::Value> {
    let dir = tempfile::TempDir::new().unwrap();
    let mut printed = Vec::new();
    popwatch::cmd::events::events_loop(
        &Config::default(),
        dir.path(),
        sources,
        tokio::time::sleep(Duration::from_secs(secs)),
        &mut printed,
    )
    .await;
    String::from_utf8(printed)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["kind"] == "source_state")
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_panicking_refresh_is_a_failed_refresh_and_the_source_goes_on() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let sources: Vec<Box<dyn Source>> = vec![Box::new(PanicsOnce {
        refreshes: refreshes.clone(),
    })];
    let states = source_states(sources, 35).await;
    // Refreshed at 0, 10 (the panic), 20 and 30 s: it went on.
    assert_eq!(refreshes.load(Ordering::SeqCst), 4);
    assert_eq!(states.len(), 2, "{states:?}");
    let failed = states[0]["state"].as_str().unwrap();
    assert!(
        failed.starts_with("failed: internal error:") && failed.contains("index out of bounds"),
        "{failed}"
    );
    assert_eq!(states[1]["state"], "recovered");
}

#[tokio::test]
async fn a_one_shot_refresh_reports_a_panic_instead_of_aborting() {
    let refreshes = Arc::new(AtomicUsize::new(1)); // the next refresh is the one that panics
    let mut sources: Vec<Box<dyn Source>> = vec![Box::new(PanicsOnce { refreshes })];
    let updates = popwatch::sources::refresh_all_once(&mut sources).await;
    let mut state = popwatch::state::AppState::new(&Config::default());
    for update in updates {
        state.apply(update);
    }
    match &state.sources[&SourceName::Coingecko].status {
        SourceStatus::Failed { error } => assert!(error.contains("internal error"), "{error}"),
        other => panic!("not failed: {other:?}"),
    }
}

/// A source whose task itself dies (here its `interval()` panics, outside any refresh, where
/// no refresh's containment reaches): the monitor is told, and the source shows as failed and
/// stopped, with why and what to do, instead of silently never refreshing again. The other
/// sources go on.
struct DiesBetweenRefreshes {
    refreshes: Arc<AtomicUsize>,
}

impl Source for DiesBetweenRefreshes {
    fn name(&self) -> SourceName {
        SourceName::Coinpaprika
    }
    fn interval(&self) -> Duration {
        if self.refreshes.load(Ordering::SeqCst) >= 2 {
            panic!("a schedule no one foresaw");
        }
        Duration::from_secs(10)
    }
    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _ = out.send(Update::SourceOk {
                source: SourceName::Coinpaprika,
                at: OffsetDateTime::now_utc(),
            });
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_source_task_that_dies_is_shown_stopped_and_the_others_go_on() {
    let dying = Arc::new(AtomicUsize::new(0));
    let healthy = Arc::new(AtomicUsize::new(1)); // never reaches its panicking refresh again
    let sources: Vec<Box<dyn Source>> = vec![
        Box::new(DiesBetweenRefreshes {
            refreshes: dying.clone(),
        }),
        Box::new(PanicsOnce {
            refreshes: healthy.clone(),
        }),
    ];
    let states = source_states(sources, 45).await;
    assert_eq!(
        dying.load(Ordering::SeqCst),
        2,
        "it died after its second refresh"
    );
    assert!(
        healthy.load(Ordering::SeqCst) >= 4,
        "the other source went on"
    );
    let stopped: Vec<&serde_json::Value> = states
        .iter()
        .filter(|e| e["source"] == "coinpaprika")
        .collect();
    assert_eq!(stopped.len(), 1, "{stopped:?}");
    let state = stopped[0]["state"].as_str().unwrap();
    assert!(
        state.starts_with("failed: stopped after an internal error: a schedule no one foresaw")
            && state.contains("restart popwatch"),
        "{state}"
    );
}
