//! Politeness: a request budget per source per minute (a sliding window), with the clock
//! passed in so a simulated day needs no real waiting.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Budget {
    per_minute: usize,
    sent: VecDeque<Instant>,
}

impl Budget {
    pub fn new(per_minute: usize) -> Self {
        Self {
            per_minute: per_minute.max(1),
            sent: VecDeque::new(),
        }
    }

    /// Takes one request from the budget at `now`, or says when the next one is allowed.
    pub fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        while self
            .sent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= WINDOW)
        {
            self.sent.pop_front();
        }
        if self.sent.len() < self.per_minute {
            self.sent.push_back(now);
            Ok(())
        } else {
            Err(self.sent[0] + WINDOW)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let t0 = Instant::now();
        let mut b = Budget::new(2);
        assert!(b.try_take(t0).is_ok());
        assert!(b.try_take(t0 + Duration::from_secs(1)).is_ok());
        assert_eq!(b.try_take(t0 + Duration::from_secs(2)), Err(t0 + WINDOW));
        assert!(b.try_take(t0 + WINDOW).is_ok());
    }
}
