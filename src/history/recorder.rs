//! The recorder: one thread that owns the history store and writes what the monitor hands it
//! (each changed state's values and its events), prunes past `history_days` and thins old
//! detail once an hour, so neither the screen nor the event stream ever waits for SQLite.

use std::sync::mpsc;
use std::thread::JoinHandle;

use time::OffsetDateTime;

use super::{Recording, Store};
use crate::events::Event;

/// How often retention and thinning run.
const UPKEEP_EVERY: time::Duration = time::Duration::hours(1);

/// A state's values to record, its events, and when.
type ToRecord = (Recording, Vec<Event>, OffsetDateTime);

pub struct Recorder {
    to_record: Option<mpsc::Sender<ToRecord>>,
    /// `Some(why)` when writes start failing, `None` when they work again.
    news: mpsc::Receiver<Option<String>>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    /// Starts the writer thread on `store`.
    pub fn spawn(store: Store, history_days: u64) -> Self {
        Self::spawn_alerting(store, history_days, None)
    }

    /// [`Recorder::spawn`] that also hands each write's new events to `alerts`: only what this
    /// process recorded first is alerted, so two processes sharing the history never deliver
    /// one event twice.
    pub fn spawn_alerting(
        mut store: Store,
        history_days: u64,
        alerts: Option<crate::events::AlertRunner>,
    ) -> Self {
        let (to_record, received) = mpsc::channel::<ToRecord>();
        let (news_tx, news) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut upkept_at: Option<OffsetDateTime> = None;
            let mut failing: Option<String> = None;
            while let Ok((recording, events, now)) = received.recv() {
                let outcome = match store.record_new(recording, &events, now) {
                    Ok((_, new_events)) => {
                        if let Some(alerts) = &alerts {
                            alerts.alert(&new_events);
                        }
                        None
                    }
                    Err(e) => {
                        // Unrecorded events are still alerted: losing the history must not
                        // lose the alert too.
                        if let Some(alerts) = &alerts {
                            alerts.alert(&events);
                        }
                        Some(e.to_string())
                    }
                };
                if let Some(e) = &outcome {
                    tracing::warn!(error = %e, "history write failed");
                }
                if outcome != failing {
                    failing = outcome;
                    let _ = news_tx.send(failing.clone());
                }
                if upkept_at.is_none_or(|t| now - t > UPKEEP_EVERY) {
                    let _ = store.prune(history_days, now);
                    let _ = store.thin(now);
                    upkept_at = Some(now);
                }
            }
        });
        Self {
            to_record: Some(to_record),
            news,
            thread: Some(thread),
        }
    }

    /// Hands a state's values and events to the writer; never waits for it.
    pub fn record(&self, recording: Recording, events: Vec<Event>, now: OffsetDateTime) {
        if let Some(tx) = &self.to_record {
            let _ = tx.send((recording, events, now));
        }
    }

    /// The latest change in whether writes work, if any since the last call.
    pub fn news(&self) -> Option<Option<String>> {
        self.news.try_iter().last()
    }

    /// Waits until everything handed over is written, then stops the thread.
    pub fn finish(mut self) {
        self.to_record = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
