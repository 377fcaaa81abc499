//! A circuit breaker per endpoint: after repeated failures an endpoint is skipped for a
//! while (a cool-down that doubles, up to a cap), then tried again.

use std::time::{Duration, Instant};

/// Consecutive failures that open the breaker.
const FAILURES_TO_OPEN: u32 = 3;
const FIRST_COOL_DOWN: Duration = Duration::from_secs(30);
const MAX_COOL_DOWN: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Default)]
pub struct Breaker {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    cool_down: Option<Duration>,
}

impl Breaker {
    /// Whether the endpoint may be tried at `now` (closed, or its cool-down is over).
    pub fn allows(&self, now: Instant) -> bool {
        self.open_until.is_none_or(|until| now >= until)
    }

    pub fn record_success(&mut self) {
        *self = Breaker::default();
    }

    pub fn record_failure(&mut self, now: Instant) {
        self.consecutive_failures += 1;
        if self.consecutive_failures >= FAILURES_TO_OPEN {
            let cool_down = self
                .cool_down
                .map_or(FIRST_COOL_DOWN, |d| (d * 2).min(MAX_COOL_DOWN));
            self.cool_down = Some(cool_down);
            self.open_until = Some(now + cool_down);
        }
    }

    /// When the current cool-down ends, if one was ever started.
    pub fn open_until(&self) -> Option<Instant> {
        self.open_until
    }

    pub fn is_open(&self, now: Instant) -> bool {
        !self.allows(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_repeated_failures_and_closes_after_cool_down() {
        let t0 = Instant::now();
        let mut b = Breaker::default();
        b.record_failure(t0);
        b.record_failure(t0);
        assert!(b.allows(t0));
        b.record_failure(t0);
        assert!(b.is_open(t0));
        assert!(b.allows(t0 + FIRST_COOL_DOWN));
        // Failing again after the cool-down doubles it.
        b.record_failure(t0 + FIRST_COOL_DOWN);
        assert!(b.is_open(t0 + FIRST_COOL_DOWN * 2));
        assert!(b.allows(t0 + FIRST_COOL_DOWN * 3));
        b.record_success();
        assert!(b.allows(t0));
    }
}
