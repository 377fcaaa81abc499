//! The best way out of a position: for every subset of pools, the balance split across them by
//! greedy marginal quotes, each leg charged its gas; the subset and split with the most ETH
//! net of gas wins. Pure: pools are given as quote functions.

use alloy::primitives::{I256, U256};

/// A pool as the split sees it: its quote for any amount, and the gas of one sell leg in it.
pub trait Quoting {
    /// Gross ETH out for selling `amount` alone in this pool; `None` if it cannot absorb it.
    fn quote(&self, amount: U256) -> Option<U256>;
    /// Gas units of one sell leg (approve + swap, 21,000 base included).
    fn leg_gas(&self) -> u64;
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

/// The split of `amount` over `pools` with the most ETH net of gas at `gas_price`. `None` when
/// the amount is zero or no pool can take it.
pub fn best_split<P: Quoting>(amount: U256, pools: &[P], gas_price: U256) -> Option<Split> {
    if amount.is_zero() || pools.is_empty() {
        return None;
    }
    let n = pools.len();
    // A shortcut: a split pays at least two legs of gas and fetches at most what selling
    // through every pool fetches (the greedy split over all pools, whose outputs are concave,
    // bounds any subset's). If even that bound, less two of the cheapest legs, does not beat
    // the best single pool net of gas, the single pool is the exit. Dust and small holders
    // take this path, so a refresh of many wallets stays fast.
    let best_single = (0..n)
        .filter_map(|i| allocate(amount, pools, &[i], gas_price))
        .max_by(|a, b| a.net().cmp(&b.net()));
    if n > 1
        && let Some(single) = &best_single
        && let Some(all) = allocate(amount, pools, &(0..n).collect::<Vec<_>>(), gas_price)
    {
        let cheapest_leg = pools.iter().map(Quoting::leg_gas).min().unwrap_or(0);
        let bound =
            I256::from_raw(all.gross) - I256::from_raw(U256::from(2 * cheapest_leg) * gas_price);
        if bound <= single.net() {
            return best_single;
        }
    }
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
    subsets
        .iter()
        .filter_map(|subset| allocate(amount, pools, subset, gas_price))
        .max_by(|a, b| a.net().cmp(&b.net()))
}

/// Greedy marginal allocation over one subset: each slice goes where it adds the most ETH.
fn allocate<P: Quoting>(
    amount: U256,
    pools: &[P],
    subset: &[usize],
    gas_price: U256,
) -> Option<Split> {
    let mut given = vec![U256::ZERO; subset.len()];
    if subset.len() == 1 {
        given[0] = amount;
    } else {
        let slice = amount / U256::from(STEPS);
        let mut left = amount;
        // What each pool's share fetches so far.
        let mut current = vec![U256::ZERO; subset.len()];
        while !left.is_zero() {
            let step = if slice.is_zero() || left < slice * U256::from(2) {
                left
            } else {
                slice
            };
            let best = (0..subset.len())
                .filter_map(|k| {
                    let then = pools[subset[k]].quote(given[k] + step)?;
                    Some((k, then, then.saturating_sub(current[k])))
                })
                .max_by(|a, b| a.2.cmp(&b.2))?;
            given[best.0] += step;
            current[best.0] = best.1;
            left -= step;
        }
    }
    let mut legs = Vec::new();
    let mut gross = U256::ZERO;
    let mut gas_units = 0u64;
    for (k, &pop) in given.iter().enumerate() {
        if pop.is_zero() {
            // An unused pool is no leg: the subset without it is tried on its own.
            return None;
        }
        let pool = &pools[subset[k]];
        let out = pool.quote(pop)?;
        gross += out;
        gas_units += pool.leg_gas();
        legs.push((subset[k], pop, out));
    }
    Some(Split {
        legs,
        gross,
        gas_cost: U256::from(gas_units) * gas_price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::quote::constant_product_out;

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
