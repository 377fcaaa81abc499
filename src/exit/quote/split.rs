//! The best way out of a position: for every subset of pools, the balance split across them by
//! greedy marginal quotes, each leg charged its gas; the subset and split with the most ETH
//! net of gas wins. Pure: pools are given as quote functions.
//!
//! The allocations do not depend on the gas price nor on the seller's allowances, only the
//! choice among them does: a holder whose balance and pools did not move keeps its
//! [`Candidates`], and each refresh only chooses again at the new gas price, charging an
//! `approve` only on the legs whose allowance is short (see `exits::ExitCache`).

use alloy::primitives::{I256, U256};

/// The gas of one sell leg: the swap's transaction, and the `approve` sent before it when the
/// seller's allowance to the venue's spender is short (21,000 base of each included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegGas {
    pub swap: u64,
    pub approve: u64,
}

impl LegGas {
    /// The leg's gas units, with or without its `approve`.
    pub fn units(self, needs_approve: bool) -> u64 {
        if needs_approve {
            self.swap + self.approve
        } else {
            self.swap
        }
    }
}

/// A pool as the split sees it: its quote for any amount, and the gas of one sell leg in it.
pub trait Quoting {
    /// Gross ETH out for selling `amount` alone in this pool; `None` if it cannot absorb it.
    fn quote(&self, amount: U256) -> Option<U256>;
    /// Gas units of one sell leg of `amount` in this pool (a V3 swap costs more for every
    /// tick it crosses).
    fn leg_gas(&self, amount: U256) -> LegGas;
    /// [`Quoting::quote`] as a function that may keep work between calls: a split asks a
    /// pool for ever larger amounts, and a V3 pool then walks the ticks they share once.
    fn quoter(&self) -> Box<dyn FnMut(U256) -> Option<U256> + '_> {
        Box::new(|amount| self.quote(amount))
    }
}

/// One leg of a split: the pool's index, the POP sold there and the ETH it fetches.
pub type SplitLeg = (usize, U256, U256);

/// A split: per pool index, the amount sold there and what it fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub legs: Vec<(usize, U256, U256)>,
    pub gross: U256,
    /// Gas units of every leg, approves included where the allowance is short.
    pub gas_units: u64,
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

/// One subset's allocation, with each leg's gas; which legs pay an approve is the seller's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Allocation {
    legs: Vec<(usize, U256, U256)>,
    gas: Vec<LegGas>,
    gross: U256,
}

impl Allocation {
    fn has(&self, pool: usize) -> bool {
        self.legs.iter().any(|&(i, _, _)| i == pool)
    }

    fn gas_units(&self, needs_approve: &dyn Fn(usize) -> bool) -> u64 {
        self.legs
            .iter()
            .zip(&self.gas)
            .map(|(&(i, _, _), gas)| gas.units(needs_approve(i)))
            .sum()
    }

    /// True when `self` costs no more gas than `other` whatever the seller's allowances: its
    /// legs with their approves (except in pools `other` uses too, where the seller pays the
    /// same approve either way) against `other`'s legs without theirs. Strictly less when
    /// `strictly`.
    fn cheaper_for_any_seller(&self, other: &Allocation) -> (bool, bool) {
        let worst: u64 = self
            .legs
            .iter()
            .zip(&self.gas)
            .map(|(&(i, _, _), gas)| gas.units(!other.has(i)))
            .sum();
        let best: u64 = other.gas.iter().map(|gas| gas.units(false)).sum();
        (worst <= best, worst < best)
    }
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
            .map(|(legs, gross)| Allocation {
                gas: legs
                    .iter()
                    .map(|&(i, pop, _)| pools[i].leg_gas(pop))
                    .collect(),
                legs,
                gross,
            })
            .collect();
        // A split that costs at least as much gas as another and fetches no more (one of the
        // two strictly), whatever the seller's allowances, is never the best at any gas
        // price: only the others are kept, so a cache of thousands of holders' candidates
        // stays small.
        let dominated = |a: &Allocation| {
            all.iter().any(|b| {
                let (cheaper, strictly) = b.cheaper_for_any_seller(a);
                cheaper && b.gross >= a.gross && (strictly || b.gross > a.gross)
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

    /// The split with the most ETH net of gas at `gas_price`, a leg in pool `i` paying its
    /// approve where `needs_approve(i)`; `None` when no pool can take the amount.
    pub fn best(&self, gas_price: U256, needs_approve: &dyn Fn(usize) -> bool) -> Option<Split> {
        self.allocations
            .iter()
            .map(|a| {
                let gas_units = a.gas_units(needs_approve);
                Split {
                    legs: a.legs.clone(),
                    gross: a.gross,
                    gas_units,
                    gas_cost: U256::from(gas_units) * gas_price,
                }
            })
            .max_by(|a, b| a.net().cmp(&b.net()))
    }
}

/// The split of `amount` over `pools` with the most ETH net of gas at `gas_price`, every leg
/// paying its approve. `None` when the amount is zero or no pool can take it.
pub fn best_split<P: Quoting>(amount: U256, pools: &[P], gas_price: U256) -> Option<Split> {
    Candidates::new(amount, pools).best(gas_price, &|_| true)
}

/// The quotes every subset's allocation asks for, each asked of its pool once. The greedy
/// hands out `full` slices of `slice`, then one final step of `last` (the rest, between one
/// and two slices), so a pool is only ever asked for `k × slice` or `k × slice + last`.
struct QuoteTable<'a> {
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

impl<'a> QuoteTable<'a> {
    fn new<P: Quoting>(amount: U256, pools: &'a [P]) -> Self {
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
    /// ETH; its legs (pool, POP, ETH) and what they fetch together. `None` when a pool of the subset gets nothing (the smaller subset is tried on its
    /// own) or cannot take what it is given.
    fn allocate(&mut self, subset: &[usize]) -> Option<(Vec<SplitLeg>, U256)> {
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
            legs.push((pool, pop, out));
        }
        Some((legs, gross))
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
        fn leg_gas(&self, _amount: U256) -> LegGas {
            LegGas {
                swap: self.gas,
                approve: 46_000,
            }
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

    #[test]
    fn a_leg_whose_allowance_covers_the_sale_skips_the_approve_and_can_win() {
        // Pool 0 pays a little more, pool 1 is where the seller already approved: at a gas
        // price where the approve costs more than the difference, pool 1 is the way out.
        let pools = [
            Cp {
                pop: e18(300_000_000),
                eth: e18(1),
                gas: 150_000,
            },
            Cp {
                pop: e18(301_000_000),
                eth: e18(1),
                gas: 150_000,
            },
        ];
        let candidates = Candidates::new(e18(1_000_000), &pools);
        let price = U256::from(20_000_000_000u64);
        let everywhere = candidates.best(price, &|_| true).unwrap();
        assert_eq!(everywhere.legs.len(), 1);
        assert_eq!(everywhere.legs[0].0, 0, "{everywhere:?}");
        assert_eq!(everywhere.gas_units, 196_000);
        let approved_in_1 = candidates.best(price, &|i| i != 1).unwrap();
        assert_eq!(approved_in_1.legs.len(), 1);
        assert_eq!(approved_in_1.legs[0].0, 1, "{approved_in_1:?}");
        assert_eq!(approved_in_1.gas_units, 150_000);
        assert_eq!(approved_in_1.gas_cost, U256::from(150_000u64) * price);
    }
}
