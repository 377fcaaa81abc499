//! The politeness budget of one endpoint for log reads: at most so many requests in flight,
//! and so many a second. Held by the endpoint, not by a caller: the log index, the wallets'
//! window scan and a second indexer all count against the same budget of the node they ask.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

#[derive(Debug)]
pub struct Gate {
    slots: Semaphore,
    /// The time between two requests' starts.
    interval: Duration,
    /// When the next request may start.
    next: Mutex<Instant>,
}

impl Gate {
    pub fn new(in_flight: usize, per_second: u32) -> Self {
        Self {
            slots: Semaphore::new(in_flight.max(1)),
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for a slot and for the request's turn; the slot is held until the permit is
    /// dropped (the answer read).
    pub async fn enter(&self) -> SemaphorePermit<'_> {
        let permit = self
            .slots
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let start = {
            let mut next = self.next.lock().expect("not poisoned");
            let start = (*next).max(Instant::now());
            *next = start + self.interval;
            start
        };
        tokio::time::sleep_until(start).await;
        permit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten requests at 5 a second with 2 in flight: the starts are 200 ms apart, never more
    /// than 2 at once (on tokio's paused clock: no timing flake).
    #[tokio::test(start_paused = true)]
    async fn requests_start_at_the_pace_and_within_the_slots() {
        let gate = std::sync::Arc::new(Gate::new(2, 5));
        let inside = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let began = Instant::now();
        let mut starts = Vec::new();
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (gate, inside) = (gate.clone(), inside.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = gate.enter().await;
                let at = began.elapsed();
                let now = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                assert!(now <= 2, "{now} in flight");
                // A slow answer: the slots, not the pace, hold the next ones back.
                tokio::time::sleep(Duration::from_millis(500)).await;
                inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                at
            }));
        }
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        starts.sort();
        for pair in starts.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(200),
                "{starts:?}"
            );
        }
        // Two slots, 500 ms answers: ten requests take at least 2 s.
        assert!(
            *starts.last().unwrap() >= Duration::from_millis(2_000),
            "{starts:?}"
        );
    }
}
