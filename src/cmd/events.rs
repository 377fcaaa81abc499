//! `popwatch events`: a thin driver over the runner and the monitor that prints each event
//! as one JSON line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;

use crate::config::Config;
use crate::history::Store;
use crate::monitor::Monitor;
use crate::sources::runner::{Runner, SourceEvent};
use crate::sources::{Source, unavailable_updates};
use crate::state::{AppState, Update};

/// `popwatch events`: the sources run each at its own interval (the runner), the monitor
/// judges each finished refresh, and each event is printed as one JSON line (flushed); until
/// SIGINT or SIGTERM, after which what was handed to the history is written before returning.
pub async fn run_events(config: Config, data_dir: PathBuf) {
    // Listening from the start: a signal while the history opens ends the command cleanly.
    let stop = crate::signals::listen().wait();
    let index = crate::history::index_in(
        Some(&data_dir),
        Some(crate::sources::chain::index::REFRESH_BUDGET),
    );
    let sources = crate::sources::sources_indexed(&config, index);
    events_loop(&config, &data_dir, sources, stop, &mut std::io::stdout()).await;
}

/// The loop behind [`run_events`], over `sources`, writing to `out` until `stop` completes or
/// `out` is gone.
pub async fn events_loop(
    config: &Config,
    data_dir: &Path,
    sources: Vec<Box<dyn Source>>,
    stop: impl std::future::Future<Output = ()>,
    out: &mut impl Write,
) {
    let mut state = AppState::new(config);
    let store = match Store::open_in(data_dir) {
        Ok(store) => Some(store),
        Err(e) => {
            eprintln!("popwatch: running without history: {e}");
            None
        }
    };
    if let Some(block) = store.as_ref().and_then(Store::logs_block) {
        state.apply(Update::ResumeFrom(block));
    }
    for update in unavailable_updates(&sources) {
        state.apply(update);
    }
    let mut monitor =
        Monitor::for_sources(config, state, &sources, store, OffsetDateTime::now_utc());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<SourceEvent>();
    let runner = Runner::spawn(sources, tx);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(stop);
    let mut history_failing: Option<String> = None;
    loop {
        let settled = tokio::select! {
            Some(event) = rx.recv() => monitor.handle(event, OffsetDateTime::now_utc()),
            _ = tick.tick() => monitor.tick(OffsetDateTime::now_utc()),
            _ = &mut stop => break,
        };
        // Said once when writes start failing (a full disk, a locked file) and once when they
        // work again; the events stream on either way.
        if monitor.state().history_error != history_failing {
            history_failing = monitor.state().history_error.clone();
            match &history_failing {
                Some(e) => eprintln!("popwatch: history write failed (events still stream): {e}"),
                None => eprintln!("popwatch: history writes work again"),
            }
        }
        let Some(settled) = settled else { continue };
        let written = settled
            .events
            .iter()
            .try_for_each(|e| writeln!(out, "{}", e.json()).and_then(|()| out.flush()));
        if written.is_err() {
            break; // the reader went away
        }
    }
    drop(runner);
    monitor.finish();
}
