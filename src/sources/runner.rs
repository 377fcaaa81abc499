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
}

/// The running sources. Dropping it stops them.
pub struct Runner {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    wake: Arc<Notify>,
}

impl Runner {
    /// Starts every source at once; their events go to `out`.
    pub fn spawn(sources: Vec<Box<dyn Source>>, out: mpsc::UnboundedSender<SourceEvent>) -> Self {
        let wake = Arc::new(Notify::new());
        let tasks = sources
            .into_iter()
            .map(|source| tokio::spawn(run_source(source, out.clone(), wake.clone())))
            .collect();
        Self { tasks, wake }
    }

    /// Asks every source waiting for its next refresh to refresh now (the `r` key).
    pub fn refresh_now(&self) {
        self.wake.notify_waiters();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
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
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".to_owned());
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
