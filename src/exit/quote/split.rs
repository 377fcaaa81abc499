//! The best way out of a position: for every subset of pools, the balance split across them by
//! greedy marginal quotes, each leg charged its gas; the subset and split with the most ETH
//! net of gas wins. Pure: pools are given as quote functions.
//!
//! The allocations do not depend on the gas price, only the choice among them does: a holder
//! whose balance and pools did not move keeps its [`Candidates`], and each refresh only
//! chooses again at the new gas price (see `exits::ExitCache`).

use alloy::primitives::{I256, U256};

/// A pool as the split sees it: its quote for any amount, and the gas of one sell leg in it.
pub trait Quoting {
    /// Gross ETH out for selling `amount` alone in this pool; `None` if it cannot absorb it.
    fn quote(&self, amount: U256) -> Option<U256>;
    /// Gas units of one sell leg (approve + swap, 21,000 base included).
    fn leg_gas(&self) -> u64;
    /// [`Quoting::quote`] as a function that may keep work between calls: a split asks a
    /// pool for ever larger amounts, and a V3 pool then walks the ticks they share once.
    fn quoter(&self) -> Box<dyn FnMut(U256) -> Option<U256> + '_> {
        Box::new(|amount| self.quote(amount))
    }
}

/// A split: per pool index, the amount sold there and what it fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub legs: Vec<(usize, U256, U256)>,
    pub gross: U256,
    pub gas_cost: U256,
}

impl Split {
    pub fn net(&self) -> I256 {
        I256::from_raw(self.gross) - I256::from_raw(self.gas_cost)
    }
}

/// Steps of the greedy allocation: the balance is handed out in this many slices.
const STEPS: u64 = 64;
/// Beyond this many pools, only single pools and the all-pools split are tried.
const MAX_SUBSET_POOLS: usize = 8;

/// One subset's allocation, gas aside.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Allocation {
    legs: Vec<(usize, U256, U256)>,
    gross: U256,
    gas_units: u64,
}

/// Every subset's greedy allocation of one amount over one set of pool states.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Candidates {
    allocations: Vec<Allocation>,
}

impl Candidates {
    /// Every subset of `pools` (all of them up to [`MAX_SUBSET_POOLS`] pools; beyond, single
    /// pools and all pools together), each allocated greedily.
    pub fn new<P: Quoting>(amount: U256, pools: &[P]) -> Self {
        if amount.is_zero() || pools.is_empty() {
            return Self::default();
        }
        let n = pools.len();
        let subsets: Vec<Vec<usize>> = if n <= MAX_SUBSET_POOLS {
            (1u32..(1 << n))
                .map(|mask| (0..n).filter(|i| mask & (1 << i) != 0).collect())
                .collect()
        } else {
            (0..n)
                .map(|i| vec![i])
                .chain(std::iter::once((0..n).collect()))
                .collect()
        };
        let mut table = QuoteTable::new(amount, pools);
        let all: Vec<Allocation> = subsets
            .iter()
            .filter_map(|subset| table.allocate(subset))
            .collect();
        // A split that costs at least as much gas as another and fetches no more (one of the
        // two strictly) is never the best at any gas price: only the others are kept, so a
        // cache of thousands of holders' candidates stays small.
        let dominated = |a: &Allocation| {
            all.iter().any(|b| {
                b.gas_units <= a.gas_units
                    && b.gross >= a.gross
                    && (b.gas_units < a.gas_units || b.gross > a.gross)
            })
        };
        let keep: Vec<bool> = all.iter().map(|a| !dominated(a)).collect();
        Self {
            allocations: all
                .into_iter()
                .zip(keep)
                .filter_map(|(a, keep)| keep.then_some(a))
                .collect(),
        }
    }

    /// The split with the most ETH net of gas at `gas_price`; `None` when no pool can take
    /// the amount.
    pub fn best(&self, gas_price: U256) -> Option<Split> {
        self.allocations
            .iter()
            .map(|a| Split {
                legs: a.legs.clone(),
                gross: a.gross,
                gas_cost: U256::from(a.gas_units) * gas_price,
            })
            .max_by(|a, b| a.net().cmp(&b.net()))
    }
}

/// The split of `amount` over `pools` with the most ETH net of gas at `gas_price`. `None` when
/// the amount is zero or no pool can take it.
pub fn best_split<P: Quoting>(amount: U256, pools: &[P], gas_price: U256) -> Option<Split> {
    Candidates::new(amount, pools).best(gas_price)
}

/// The quotes every subset's allocation asks for, each asked of its pool once. The greedy
/// hands out `full` slices of `slice`, then one final step of `last` (the rest, between one
/// and two slices), so a pool is only ever asked for `k × slice` or `k × slice + last`.
struct QuoteTable<'a, P> {
    pools: &'a [P],
    /// Each pool's [`Quoting::quoter`].
    quoters: Vec<Box<dyn FnMut(U256) -> Option<U256> + 'a>>,
    slice: U256,
    last: U256,
    full: usize,
    /// `[pool][k]`: the quote for `k × slice`, once asked.
    at: Vec<Vec<Option<Option<U256>>>>,
    /// `[pool][k]`: the quote for `k × slice + last`, once asked.
    at_last: Vec<Vec<Option<Option<U256>>>>,
}

impl<'a, P: Quoting> QuoteTable<'a, P> {
    fn new(amount: U256, pools: &'a [P]) -> Self {
        let slice = amount / U256::from(STEPS);
        // Slices while at least two remain, then the rest in one step (all of it at once when
        // the amount is smaller than the number of steps).
        let (full, last) = if slice.is_zero() {
            (0, amount)
        } else {
            let slices = usize::try_from(amount / slice).expect("at most 127 slices");
            (slices - 1, amount - slice * U256::from(slices - 1))
        };
        Self {
            pools,
            quoters: pools.iter().map(|p| p.quoter()).collect(),
            slice,
            last,
            full,
            at: vec![vec![None; full + 1]; pools.len()],
            at_last: vec![vec![None; full + 1]; pools.len()],
        }
    }

    fn quote_at(&mut self, pool: usize, k: usize) -> Option<U256> {
        let amount = self.slice * U256::from(k);
        *self.at[pool][k].get_or_insert_with(|| (self.quoters[pool])(amount))
    }

    fn quote_at_last(&mut self, pool: usize, k: usize) -> Option<U256> {
        let amount = self.slice * U256::from(k) + self.last;
        *self.at_last[pool][k].get_or_insert_with(|| (self.quoters[pool])(amount))
    }

    /// Greedy marginal allocation over one subset: each slice goes where it adds the most
    /// ETH. `None` when a pool of the subset gets nothing (the smaller subset is tried on its
    /// own) or cannot take what it is given.
    fn allocate(&mut self, subset: &[usize]) -> Option<Allocation> {
        // Slices given to each pool, whether it took the last step, and what its share
        // fetches so far.
        let mut slices = vec![0usize; subset.len()];
        let mut took_last = vec![false; subset.len()];
        let mut current = vec![U256::ZERO; subset.len()];
        if subset.len() == 1 {
            slices[0] = self.full;
            took_last[0] = true;
        } else {
            // Per pool, what it would fetch with one more slice and what that adds (`None`:
            // it cannot take it). Only the pool that got the slice has a new answer.
            let mut next: Vec<Option<(U256, U256)>> = vec![None; subset.len()];
            if self.full > 0 {
                for (k, &pool) in subset.iter().enumerate() {
                    next[k] = self.quote_at(pool, 1).map(|then| (then, then));
                }
            }
            for step in 0..=self.full {
                let last = step == self.full;
                if last {
                    for (k, &pool) in subset.iter().enumerate() {
                        next[k] = self
                            .quote_at_last(pool, slices[k])
                            .map(|then| (then, then.saturating_sub(current[k])));
                    }
                }
                // The last of equal gains wins, as `Iterator::max_by` picks.
                let mut best: Option<(usize, U256, U256)> = None;
                for (k, answer) in next.iter().enumerate() {
                    let Some((then, gain)) = *answer else {
                        continue;
                    };
                    if best.is_none_or(|(_, _, g)| gain >= g) {
                        best = Some((k, then, gain));
                    }
                }
                let (k, then, _) = best?;
                current[k] = then;
                if last {
                    took_last[k] = true;
                } else {
                    slices[k] += 1;
                    if step + 1 < self.full {
                        next[k] = self
                            .quote_at(subset[k], slices[k] + 1)
                            .map(|more| (more, more.saturating_sub(then)));
                    }
                }
            }
        }
        let mut legs = Vec::with_capacity(subset.len());
        let mut gross = U256::ZERO;
        let mut gas_units = 0u64;
        for k in 0..subset.len() {
            if slices[k] == 0 && !took_last[k] {
                return None;
            }
            let pool = subset[k];
            let out = if took_last[k] {
                self.quote_at_last(pool, slices[k])?
            } else {
                self.quote_at(pool, slices[k])?
            };
            let pop = self.slice * U256::from(slices[k])
                + if took_last[k] { self.last } else { U256::ZERO };
            gross += out;
            gas_units += self.pools[pool].leg_gas();
            legs.push((pool, pop, out));
        }
        Some(Allocation {
            legs,
            gross,
            gas_units,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::quote::constant_product_out;

    struct Cp {
        pop: U256,
        eth: U256,
        gas: u64,
    }

    impl Quoting for Cp {
        fn quote(&self, amount: U256) -> Option<U256> {
            constant_product_out(amount, self.pop, self.eth, 3000)
        }
        fn leg_gas(&self) -> u64 {
            self.gas
        }
    }

    fn e18(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64).pow(U256::from(18))
    }

    /// 300M POP / 1 ETH and 150M POP / 0.5 ETH, 150k gas a leg.
    fn two_thin_pools() -> [Cp; 2] {
        [
            Cp {
                pop: e18(300_000_000),
                eth: e18(1),
                gas: 150_000,
            },
            Cp {
                pop: e18(150_000_000),
                eth: e18(1) / U256::from(2),
                gas: 150_000,
            },
        ]
    }

    #[test]
    fn a_whale_splits_across_two_thin_pools() {
        let pools = two_thin_pools();
        let split = best_split(e18(200_000_000), &pools, U256::from(20_000_000_000u64)).unwrap();
        assert_eq!(split.legs.len(), 2, "{split:?}");
        let total: U256 = split.legs.iter().map(|l| l.1).sum();
        assert_eq!(total, e18(200_000_000));
        for (i, pop, out) in &split.legs {
            assert_eq!(pools[*i].quote(*pop), Some(*out));
        }
        let single = pools[0].quote(e18(200_000_000)).unwrap();
        assert!(split.gross > single);
    }

    #[test]
    fn dust_uses_one_pool_because_a_second_legs_gas_costs_more_than_it_gains() {
        let pools = two_thin_pools();
        let split = best_split(e18(1), &pools, U256::from(20_000_000_000u64)).unwrap();
        assert_eq!(split.legs.len(), 1);
        assert!(split.net().is_negative(), "dust is worth less than gas");
    }
}
