//! Balances replayed from the indexed Transfers, and whether the index is complete: it is only
//! when the replayed balances of every holder sum to `totalSupply` (a mint, a Transfer from the
//! zero address, counts as a mint), nothing went below zero, and the whole range from the start
//! block to the head was read. Otherwise it is partial, from the block its contiguous part
//! starts at, with the reason.

use std::collections::HashMap;

use alloy::primitives::{Address, U256};

use super::log::Transfer;
use super::store::Range;
pub use crate::state::transfers::Completeness;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replay {
    /// Every address's balance after the replayed Transfers (zero balances dropped; the zero
    /// address, which mints come from, is not a holder).
    pub balances: HashMap<Address, U256>,
    pub transfers: u64,
    /// Sent from the zero address.
    pub minted: U256,
    /// Sent to the zero address: destroyed where the token burns that way, else held there
    /// (still in `totalSupply`).
    pub sent_to_zero: U256,
    /// The recipient of the first mint.
    pub initial_recipient: Option<Address>,
    /// Addresses a Transfer took below zero: Transfers before the replay's start are missing.
    pub underflows: Vec<Address>,
    pub first: Option<Transfer>,
    pub last: Option<Transfer>,
}

impl Replay {
    /// The replayed balances summed (holders only, the zero address aside); `None` past 2^256.
    pub fn held(&self) -> Option<U256> {
        self.balances
            .values()
            .try_fold(U256::ZERO, |sum, b| sum.checked_add(*b))
    }

    /// What the zero address holds by the replay, given `total_supply`: what was sent to it
    /// where the holders' balances and that add up to the supply (the token's transfer to
    /// 0x0 keeps it in `totalSupply`), else nothing (sent there is destroyed).
    pub fn zero_held(&self, total_supply: U256) -> U256 {
        match self.held() {
            Some(held)
                if held != total_supply
                    && held.checked_add(self.sent_to_zero) == Some(total_supply) =>
            {
                self.sent_to_zero
            }
            _ => U256::ZERO,
        }
    }
}

/// Replays `transfers`, in chain order.
pub fn replay(transfers: &[Transfer]) -> Replay {
    let mut out = Replay::default();
    for t in transfers {
        out.transfers += 1;
        out.first.get_or_insert(*t);
        out.last = Some(*t);
        if t.from.is_zero() {
            out.minted = out.minted.saturating_add(t.amount);
            out.initial_recipient.get_or_insert(t.to);
        } else {
            let balance = out.balances.entry(t.from).or_default();
            match balance.checked_sub(t.amount) {
                Some(left) => *balance = left,
                None => {
                    *balance = U256::ZERO;
                    if !out.underflows.contains(&t.from) {
                        out.underflows.push(t.from);
                    }
                }
            }
        }
        if t.to.is_zero() {
            out.sent_to_zero = out.sent_to_zero.saturating_add(t.amount);
        } else {
            let balance = out.balances.entry(t.to).or_default();
            *balance = balance.saturating_add(t.amount);
        }
    }
    out.balances.retain(|_, b| !b.is_zero());
    out
}

/// Judges the index of the token: `coverage`, its merged read ranges; `start`, where the
/// history starts; `head`, the last block read; `total_supply` as the token says at `head`.
pub fn judge(
    replay: &Replay,
    coverage: &[Range],
    unavailable: &[(Range, String)],
    start: u64,
    head: u64,
    total_supply: Option<U256>,
    zero_balance: Option<U256>,
) -> Completeness {
    // The contiguous part that reaches the head.
    let reaching = coverage.iter().rev().find(|(_, to)| *to >= head);
    let from = reaching.map(|(from, _)| *from);
    let partial = |reason: String| Completeness::Partial { from, reason };
    if let Some(((a, b), why)) = unavailable.first() {
        return partial(format!("blocks {a}–{b} unavailable: {why}"));
    }
    match from {
        None => return partial("the recent blocks are not read yet".to_owned()),
        Some(from) if from > start => {
            return partial(format!(
                "blocks {start}–{} not read yet",
                from.saturating_sub(1)
            ));
        }
        Some(_) => {}
    }
    if let Some(who) = replay.underflows.first() {
        return partial(format!(
            "{} Transfer(s) take balances below zero (first {who}): earlier Transfers are missing",
            replay.underflows.len()
        ));
    }
    let Some(supply) = total_supply else {
        return partial("totalSupply not read".to_owned());
    };
    // What the zero address holds: the chain's balanceOf(0x0) where read (a token may both
    // burn through Transfers to 0x0 and keep others there), else the replay's reading.
    let zero = zero_balance.unwrap_or_else(|| replay.zero_held(supply));
    match replay.held() {
        Some(held) if held.checked_add(zero) == Some(supply) => Completeness::Complete { to: head },
        Some(held) => partial(format!(
            "replayed balances sum to {held}, totalSupply is {supply}: Transfers are missing (a node may have answered empty)"
        )),
        None => partial("replayed balances overflow".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::B256;

    fn t(block: u64, from: u8, to: u8, amount: u64) -> Transfer {
        Transfer {
            block,
            log_index: 0,
            tx: B256::ZERO,
            from: Address::repeat_byte(from),
            to: Address::repeat_byte(to),
            amount: U256::from(amount),
        }
    }

    #[test]
    fn a_whole_history_is_complete_and_a_missing_part_says_what() {
        let history = [t(1, 0, 1, 100), t(2, 1, 2, 30), t(3, 2, 0, 10)];
        let replayed = replay(&history);
        assert_eq!(replayed.minted, U256::from(100));
        assert_eq!(
            replayed.held(),
            Some(U256::from(90)),
            "the burn to 0x0 left the supply"
        );
        let supply = Some(U256::from(90));
        assert_eq!(
            judge(&replayed, &[(1, 10)], &[], 1, 10, supply, None),
            Completeness::Complete { to: 10 }
        );
        // Read only from block 2: the mint is missing, so a balance goes below zero.
        let late = replay(&history[1..]);
        assert!(matches!(
            judge(&late, &[(2, 10)], &[], 1, 10, supply, None),
            Completeness::Partial { from: Some(2), reason } if reason.contains("blocks 1–1 not read")
        ));
        assert!(matches!(
            judge(&late, &[(1, 10)], &[], 1, 10, supply, None),
            Completeness::Partial { reason, .. } if reason.contains("below zero")
        ));
        // Every range read, but a node left a Transfer out: the sum says so.
        let short = replay(&[t(1, 0, 1, 100)]);
        assert!(matches!(
            judge(&short, &[(1, 10)], &[], 1, 10, Some(U256::from(120)), None),
            Completeness::Partial { reason, .. } if reason.contains("sum to 100")
        ));
        assert!(matches!(
            judge(&replayed, &[(1, 10)], &[((1, 3), "pruned".into())], 1, 10, supply, None),
            Completeness::Partial { reason, .. } if reason.contains("pruned")
        ));
    }
}
