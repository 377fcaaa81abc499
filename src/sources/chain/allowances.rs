//! Which wallets' POP allowances (to each pool's spender) a refresh reads, and what it carries
//! over for the others. An allowance decides whether a sale pays an `approve` first; it moves
//! only when the wallet approves or a spender moves its POP, so re-reading a thousand wallets'
//! allowances every refresh would triple the refresh's reads for figures that almost never
//! change. A wallet's allowances are read on its first refresh, again on the refresh after its
//! balance moved (until then they are unknown, so its gas counts the approve), and otherwise
//! once every [`REREAD_EVERY`] refreshes, the wallets staggered so no refresh reads them all.

use std::collections::HashMap;

use alloy::primitives::{Address, U256};

use crate::state::chain::WalletBalance;

/// Refreshes between two reads of a quiet wallet's allowances (10 minutes at the default
/// 30-second refresh): how late an `approve` sent from elsewhere shows in the gas.
pub const REREAD_EVERY: u64 = 20;

/// What was read for one wallet.
#[derive(Debug, Clone)]
struct Known {
    /// The POP balance beside which they were read: when it moves, they may have too.
    balance: Option<U256>,
    /// Per spender, its allowance.
    allowances: Vec<(Address, U256)>,
}

#[derive(Debug, Default)]
pub struct AllowanceCache {
    refreshes: u64,
    known: HashMap<Address, Known>,
}

impl AllowanceCache {
    /// The wallets (by index in `wallets`) whose allowances to `spenders` the next refresh
    /// reads.
    pub fn due(&self, wallets: &[Address], spenders: &[Address]) -> Vec<usize> {
        wallets
            .iter()
            .enumerate()
            .filter(|&(i, wallet)| {
                let staggered = (self.refreshes + i as u64).is_multiple_of(REREAD_EVERY);
                match self.known.get(wallet) {
                    None => true,
                    Some(known) => {
                        staggered
                            || spenders
                                .iter()
                                .any(|s| !known.allowances.iter().any(|(k, _)| k == s))
                    }
                }
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Fills each balance's allowances: those just read (`read`, per due wallet index: the
    /// allowance to each spender, `None` where the read failed), the kept ones for the others,
    /// unknown where a balance moved since they were read. Then counts the refresh.
    pub fn fill(
        &mut self,
        balances: &mut [WalletBalance],
        spenders: &[Address],
        read: HashMap<usize, Vec<Option<U256>>>,
    ) {
        for (i, balance) in balances.iter_mut().enumerate() {
            if let Some(fresh) = read.get(&i) {
                balance.allowances = spenders
                    .iter()
                    .copied()
                    .zip(fresh.iter().copied())
                    .collect();
                // Only a complete answer is kept: a failed read is tried again next time.
                if fresh.iter().all(Option::is_some) {
                    self.known.insert(
                        balance.address,
                        Known {
                            balance: balance.pop_raw,
                            allowances: spenders
                                .iter()
                                .copied()
                                .zip(fresh.iter().flatten().copied())
                                .collect(),
                        },
                    );
                } else {
                    self.known.remove(&balance.address);
                }
                continue;
            }
            let kept = self
                .known
                .get(&balance.address)
                .filter(|known| known.balance == balance.pop_raw);
            balance.allowances = spenders
                .iter()
                .map(|s| {
                    let allowance = kept.and_then(|known| {
                        known
                            .allowances
                            .iter()
                            .find(|(k, _)| k == s)
                            .map(|&(_, a)| a)
                    });
                    (*s, allowance)
                })
                .collect();
            if kept.is_none() {
                // The balance moved: read again on the next refresh.
                self.known.remove(&balance.address);
            }
        }
        self.refreshes += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balance(byte: u8, pop: u64) -> WalletBalance {
        WalletBalance {
            address: Address::repeat_byte(byte),
            pop_raw: Some(U256::from(pop)),
            eth_wei: Some(U256::ZERO),
            allowances: Vec::new(),
        }
    }

    #[test]
    fn read_once_kept_while_quiet_unknown_after_a_move_then_read_again() {
        let spender = Address::repeat_byte(0xaa);
        let wallets: Vec<Address> = (1..=40).map(Address::repeat_byte).collect();
        let mut cache = AllowanceCache::default();
        assert_eq!(
            cache.due(&wallets, &[spender]).len(),
            40,
            "first refresh reads all"
        );
        let mut balances: Vec<WalletBalance> = (1..=40).map(|b| balance(b, 100)).collect();
        let read = (0..40).map(|i| (i, vec![Some(U256::from(i))])).collect();
        cache.fill(&mut balances, &[spender], read);

        // A quiet refresh reads a staggered few and keeps the others' values.
        let due = cache.due(&wallets, &[spender]);
        assert_eq!(due.len(), 2, "{due:?}");
        balances[5].pop_raw = Some(U256::from(7u8));
        let read = due
            .iter()
            .map(|&i| (i, vec![Some(U256::from(99u8))]))
            .collect();
        cache.fill(&mut balances, &[spender], read);
        for (i, b) in balances.iter().enumerate() {
            let expected = if due.contains(&i) {
                Some(U256::from(99u8))
            } else if i == 5 {
                None // its balance moved: unknown until read again
            } else {
                Some(U256::from(i))
            };
            assert_eq!(b.allowances, vec![(spender, expected)], "wallet {i}");
        }
        assert!(cache.due(&wallets, &[spender]).contains(&5));

        // A new pool's spender is read for everyone.
        let other = Address::repeat_byte(0xbb);
        assert_eq!(cache.due(&wallets, &[spender, other]).len(), 40);
    }

    #[test]
    fn a_failed_read_is_unknown_and_read_again() {
        let spender = Address::repeat_byte(0xaa);
        let wallets = [Address::repeat_byte(1)];
        let mut cache = AllowanceCache::default();
        let mut balances = vec![balance(1, 100)];
        cache.fill(&mut balances, &[spender], HashMap::from([(0, vec![None])]));
        assert_eq!(balances[0].allowances, vec![(spender, None)]);
        assert_eq!(cache.due(&wallets, &[spender]), vec![0]);
    }
}
