//! The one way popwatch runs its sources, for every front end that runs them continuously (the
//! terminal app, `popwatch events`): each source a task on its own interval, woken early on
//! request, stopped on shutdown. A source's updates arrive in order, followed by one
//! `Refreshed` that says its refresh is complete, so a front end can judge a refresh whole.

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc};

use crate::sources::Source;
use crate::state::{SourceName, Update};

/// What a running source says.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceEvent {
    Update(Update),
    /// `source` finished a refresh: every update it made has been sent before this; it
    /// refreshes again at `next`.
    Refreshed {
        source: SourceName,
        next: OffsetDateTime,
    },
    /// `source`'s task ended while its events were still wanted (a panic outside a refresh,
    /// which [`contained`] cannot catch): it will not refresh again this session. A
    /// `SourceFailed` saying so comes just before.
    Stopped {
        source: SourceName,
    },
}

/// The running sources. Dropping it stops them.
pub struct Runner {
    /// Each source's task, and the task watching it end.
    tasks: Vec<RunningSource>,
    wake: Arc<Notify>,
    out: mpsc::UnboundedSender<SourceEvent>,
}

struct RunningSource {
    name: SourceName,
    task: tokio::task::AbortHandle,
    watcher: tokio::task::JoinHandle<()>,
}

impl RunningSource {
    fn stop(&self) {
        self.watcher.abort();
        self.task.abort();
    }
}

impl Runner {
    /// Starts every source at once; their events go to `out`.
    pub fn spawn(sources: Vec<Box<dyn Source>>, out: mpsc::UnboundedSender<SourceEvent>) -> Self {
        let mut runner = Self {
            tasks: Vec::new(),
            wake: Arc::new(Notify::new()),
            out,
        };
        for source in sources {
            runner.start(source);
        }
        runner
    }

    fn start(&mut self, source: Box<dyn Source>) {
        let name = source.name();
        let task = tokio::spawn(run_source(source, self.out.clone(), self.wake.clone()));
        let abort = task.abort_handle();
        self.tasks.push(RunningSource {
            name,
            task: abort,
            watcher: tokio::spawn(watch(name, task, self.out.clone())),
        });
    }

    /// Stops the running source of the same name (mid-refresh, if it is in one: what it had
    /// sent stays valid) and starts `source` in its place, refreshing at once. For a config
    /// change the source must see (the watched wallets).
    pub fn replace(&mut self, source: Box<dyn Source>) {
        let name = source.name();
        self.tasks.retain(|running| {
            let same = running.name == name;
            if same {
                running.stop();
            }
            !same
        });
        self.start(source);
    }

    /// Asks every source waiting for its next refresh to refresh now (the `r` key).
    pub fn refresh_now(&self) {
        self.wake.notify_waiters();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for running in &self.tasks {
            running.stop();
        }
    }
}

/// Waits for a source's task to end: one that panicked is reported as a failed source that
/// stopped, so it is never silently gone (a task that ended because nobody listens any more,
/// or was stopped, needs no word).
async fn watch(
    name: SourceName,
    task: tokio::task::JoinHandle<()>,
    out: mpsc::UnboundedSender<SourceEvent>,
) {
    let Err(ended) = task.await else { return };
    let Ok(panic) = ended.try_into_panic() else {
        return; // aborted: popwatch is stopping
    };
    let what = panic_text(panic.as_ref());
    tracing::error!(source = name.as_str(), panic = %crate::format::sanitize(&what), "a source stopped");
    let _ = out.send(SourceEvent::Update(Update::SourceFailed {
        source: name,
        error: crate::format::sanitize(&format!(
            "stopped after an internal error: {what}; restart popwatch to read it again (a bug: please report it)"
        )),
    }));
    let _ = out.send(SourceEvent::Stopped { source: name });
}

/// A panic's message, as far as it has one.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Runs one refresh; a panic inside it (a bug, or an answer no check foresaw) becomes a failed
/// refresh of that source, which the user sees, instead of a task that silently stops.
pub async fn contained(
    name: SourceName,
    refresh: impl std::future::Future<Output = ()>,
) -> Result<(), Update> {
    use futures::FutureExt;
    std::panic::AssertUnwindSafe(refresh)
        .catch_unwind()
        .await
        .map_err(|panic| {
            let what = panic_text(panic.as_ref());
            tracing::error!(source = name.as_str(), panic = %crate::format::sanitize(&what), "a source refresh panicked");
            Update::SourceFailed {
                source: name,
                error: crate::format::sanitize(&format!("internal error: {what} (a bug: please report it)")),
            }
        })
}

async fn run_source(
    mut source: Box<dyn Source>,
    out: mpsc::UnboundedSender<SourceEvent>,
    wake: Arc<Notify>,
) {
    let name = source.name();
    loop {
        // The refresh gets its own channel, forwarded as it fills: when the refresh is done
        // and every sender it held is gone, everything it sent is out, so `Refreshed` follows
        // its last update.
        let (updates, mut received) = mpsc::unbounded_channel::<Update>();
        let forward = async {
            while let Some(update) = received.recv().await {
                if out.send(SourceEvent::Update(update)).is_err() {
                    return false;
                }
            }
            true
        };
        let (refreshed, open) = futures::join!(contained(name, source.refresh(updates)), forward);
        if let Err(failed) = refreshed
            && out.send(SourceEvent::Update(failed)).is_err()
        {
            return;
        }
        let interval = source.interval();
        let next = OffsetDateTime::now_utc() + interval;
        if !open
            || out
                .send(SourceEvent::Refreshed { source: name, next })
                .is_err()
        {
            return; // nobody listens any more
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = wake.notified() => {}
        }
    }
}
