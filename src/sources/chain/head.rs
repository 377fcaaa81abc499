//! Which block heights popwatch believes. An endpoint's height is a claim: a node that lags
//! answers an older block (showing it would move every figure back in time), and a broken or
//! lying one answers a block far in the future (believed, it would make every honest endpoint
//! look behind for the rest of the session). The guard takes a height only if it is neither
//! behind the block already shown nor further ahead than the chain could have gone since, and
//! gives up a shown height that no endpoint confirms for [`REBASE_AFTER`] refreshes in a row.

use time::OffsetDateTime;

/// Blocks a height may lead the shown one by, whatever the time since: a day of mainnet at
/// 12 s a block is 7,200, and a devnet mines hundreds at once.
pub const AHEAD_SLACK: u64 = 10_000;
/// Blocks per second the fastest chains popwatch could be pointed at produce (Arbitrum: 4).
pub const MAX_BLOCKS_PER_SEC: u64 = 5;
/// Refreshes in a row with every height refused, after which the next height answered is
/// taken as the new baseline: the shown height came from an endpoint that no longer confirms
/// it (a lie, or a backend since rolled back), and waiting longer would freeze the figures.
pub const REBASE_AFTER: u32 = 10;

/// What to do with a height an endpoint answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Take,
    /// Older than the block already shown.
    Behind {
        shown: u64,
    },
    /// Further ahead than the chain could have gone since the shown block was read.
    TooFarAhead {
        shown: u64,
        allowed: u64,
    },
}

#[derive(Debug, Default)]
pub struct HeadGuard {
    /// The block shown last, and when it was read (wall-clock time: a laptop that slept for
    /// a day finds the chain a day ahead, and that is plausible).
    shown: Option<(u64, OffsetDateTime)>,
    /// Refreshes in a row that ended with every height refused.
    refused_refreshes: u32,
}

impl HeadGuard {
    /// The block shown last.
    pub fn shown(&self) -> Option<u64> {
        self.shown.map(|(block, _)| block)
    }

    /// Whether `block`, answered at `now`, can be shown.
    pub fn judge(&self, block: u64, now: OffsetDateTime) -> Verdict {
        let Some((shown, at)) = self.shown else {
            return Verdict::Take;
        };
        if self.refused_refreshes >= REBASE_AFTER {
            return Verdict::Take;
        }
        if block < shown {
            return Verdict::Behind { shown };
        }
        let elapsed = u64::try_from((now - at).whole_seconds()).unwrap_or(0);
        let allowed = shown
            .saturating_add(AHEAD_SLACK)
            .saturating_add(elapsed.saturating_mul(MAX_BLOCKS_PER_SEC));
        if block > allowed {
            return Verdict::TooFarAhead { shown, allowed };
        }
        Verdict::Take
    }

    /// `block` was shown, read at `now`. Returns the block it gives up, if it is older than
    /// the one shown before.
    pub fn taken(&mut self, block: u64, now: OffsetDateTime) -> Option<u64> {
        let given_up = self.shown().filter(|&shown| block < shown);
        if let Some(shown) = given_up {
            tracing::warn!(
                shown,
                block,
                refreshes = self.refused_refreshes,
                "no endpoint confirmed the block shown: going back to the height they agree on"
            );
        }
        self.shown = Some((block, now));
        self.refused_refreshes = 0;
        given_up
    }

    /// A refresh ended with every height answered refused.
    pub fn refresh_refused(&mut self) {
        self.refused_refreshes = self.refused_refreshes.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-01 12:00:00 UTC);

    fn guard_at(block: u64) -> HeadGuard {
        let mut guard = HeadGuard::default();
        guard.taken(block, T0);
        guard
    }

    #[test]
    fn the_first_height_is_taken_and_then_only_plausible_ones() {
        assert_eq!(HeadGuard::default().judge(u64::MAX, T0), Verdict::Take);
        let guard = guard_at(100);
        assert_eq!(guard.judge(100, T0), Verdict::Take);
        assert_eq!(guard.judge(99, T0), Verdict::Behind { shown: 100 });
        assert_eq!(guard.judge(100 + AHEAD_SLACK, T0), Verdict::Take);
        assert!(matches!(
            guard.judge(100 + AHEAD_SLACK + 1, T0),
            Verdict::TooFarAhead { .. }
        ));
        assert!(matches!(
            guard.judge(u64::MAX, T0),
            Verdict::TooFarAhead { .. }
        ));
        // A day later (a laptop that slept), a day of blocks is plausible.
        let day_later = T0 + time::Duration::days(1);
        assert_eq!(guard.judge(100 + 86_400 * 5, day_later), Verdict::Take);
        // A clock that went back allows no more than the slack.
        let earlier = T0 - time::Duration::days(1);
        assert!(matches!(
            guard.judge(100 + AHEAD_SLACK + 1, earlier),
            Verdict::TooFarAhead { .. }
        ));
    }

    #[test]
    fn a_height_no_endpoint_confirms_is_given_up_after_rebase_after_refreshes() {
        let mut guard = guard_at(5_000);
        for _ in 0..REBASE_AFTER {
            assert_eq!(guard.judge(4_990, T0), Verdict::Behind { shown: 5_000 });
            guard.refresh_refused();
        }
        assert_eq!(guard.judge(4_990, T0), Verdict::Take);
        guard.taken(4_990, T0);
        assert_eq!(guard.shown(), Some(4_990));
        // And the rule is armed again.
        assert_eq!(guard.judge(4_989, T0), Verdict::Behind { shown: 4_990 });
    }

    #[test]
    fn a_taken_height_resets_the_count_of_refused_refreshes() {
        let mut guard = guard_at(100);
        for _ in 0..REBASE_AFTER - 1 {
            guard.refresh_refused();
        }
        guard.taken(101, T0);
        guard.refresh_refused();
        assert_eq!(guard.judge(99, T0), Verdict::Behind { shown: 101 });
    }
}
