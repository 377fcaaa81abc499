//! The demo token's whole history, simulated: a mint of the supply to a treasury at
//! deployment, its distribution (a team wallet, an exchange, a vesting contract, the pools, the
//! demo's wallets, a burn to the dead address, a few hundred small holders), years of
//! Transfers between holders thinning out as the token died, and the drips the demo adds as it
//! runs. From it the demo sends what the log index would: the index's summary and the holders,
//! computed by the same code as for the chain.

use std::collections::HashMap;

use alloy::primitives::{Address, B256, U256, keccak256};
use time::OffsetDateTime;

use super::{demo_address, unit};
use crate::sources::chain::index::Transfer;
use crate::sources::chain::index::holders::{ChainView, Known, Settings, compute};
use crate::state::holders::{DEAD, HolderKind, HoldersReading};
use crate::state::transfers::{Completeness, IndexSummary, TransferSeen};

/// The deployment block of the simulated token.
pub const DEPLOYMENT_BLOCK: u64 = 5_600_000;
/// Seconds per block, for the simulated blocks' times.
const BLOCK_SECS: i64 = 13;
/// Small holders the treasury distributed to.
const SMALL_HOLDERS: u64 = 320;

pub fn treasury() -> Address {
    demo_address("treasury")
}
pub fn team() -> Address {
    demo_address("team")
}
pub fn exchange() -> Address {
    demo_address("exchange hot wallet")
}
pub fn vesting() -> Address {
    demo_address("vesting contract")
}

fn tokens(n: u64) -> U256 {
    U256::from(n) * unit()
}

fn small_holder(i: u64) -> Address {
    demo_address(&format!("holder {i}"))
}

/// What the demo knows besides the chain: the pools (with their venues), the watched wallets
/// and the labels of its config.
pub struct Simulated {
    /// The history up to the demo's start, oldest first.
    base: Vec<Transfer>,
}

impl Simulated {
    /// `wallets`: each watched wallet's address and POP (raw) at the start; `pools`: each
    /// pool's address and POP reserve at the start.
    pub fn new(wallets: &[(Address, U256)], pools: &[(Address, U256)], start_block: u64) -> Self {
        let mut base = Vec::new();
        let mut n = 0u64;
        let mut push = |base: &mut Vec<Transfer>, block: u64, from, to, amount| {
            n += 1;
            base.push(Transfer {
                block,
                log_index: n % 7,
                tx: keccak256(format!("demo history {n}")),
                from,
                to,
                amount,
            });
        };
        let d = DEPLOYMENT_BLOCK;
        let t = treasury();
        push(&mut base, d, Address::ZERO, t, tokens(1_600_000_000));
        push(&mut base, d + 40, t, team(), tokens(240_000_000));
        push(&mut base, d + 60, t, vesting(), tokens(100_000_000));
        push(&mut base, d + 5_000, t, exchange(), tokens(150_000_000));
        push(&mut base, d + 9_000, t, DEAD, tokens(16_000_000));
        for (i, (pool, reserve)) in pools.iter().enumerate() {
            push(&mut base, d + 20_000 + i as u64, t, *pool, *reserve);
        }
        // The small holders: bought in the first year, most of them; a few later.
        for i in 0..SMALL_HOLDERS {
            let block = d + 30_000 + i * i * 40;
            let amount = tokens(2_000_000 / (i + 1) + 50);
            push(&mut base, block, t, small_holder(i), amount);
        }
        // Trading between holders: busy at first, thinning out over the years, the last trade
        // some two months ago.
        // (They start once the first forty, who sell, have all bought: no one sends what it
        // does not hold.)
        let first = d + 100_000;
        let span = start_block.saturating_sub(first + 60 * 7_200).max(1);
        for k in 1..=1_200u64 {
            // The k-th trade at a fraction of the span growing like k², so trades thin out.
            let block = first + span * k * k / (1_200 * 1_200 + 1);
            let from = small_holder(k % 40);
            let to = small_holder(40 + (k * 7) % (SMALL_HOLDERS - 40));
            push(&mut base, block, from, to, tokens(1_000 + k % 500));
        }
        // The demo's wallets got theirs from the treasury (the whale a million more, which it
        // sent back last week: the logs' story).
        for (i, (wallet, pop)) in wallets.iter().enumerate() {
            if pop.is_zero() {
                continue;
            }
            let days = 40 + 17 * i as u64;
            let block = start_block - days * 7_200 + 1;
            let amount = if i == 0 {
                *pop + tokens(1_000_000)
            } else {
                *pop
            };
            push(&mut base, block, t, *wallet, amount);
        }
        if let Some((whale, _)) = wallets.first() {
            push(
                &mut base,
                start_block - 6 * 7_200 + 2,
                *whale,
                t,
                tokens(1_000_000),
            );
        }
        base.sort_by_key(|t| (t.block, t.log_index));
        Self { base }
    }

    /// The history now: the base, the drips since the start, and the pools' trades since then
    /// (each pool's POP brought to its current reserve, through a market maker's account).
    fn transfers(
        &self,
        drips: &[TransferSeen],
        pools: &[(Address, U256, U256)],
        block: u64,
    ) -> Vec<Transfer> {
        let mut all = self.base.clone();
        all.extend(drips.iter().map(|d| Transfer {
            block: d.block,
            log_index: d.log_index,
            tx: d.tx,
            from: d.from,
            to: d.to,
            amount: d.amount,
        }));
        let traders = demo_address("market makers");
        // The market makers' float, so a pool can grow by selling into it.
        all.push(Transfer {
            block: DEPLOYMENT_BLOCK + 25_000,
            log_index: 0,
            tx: B256::repeat_byte(0x4d),
            from: treasury(),
            to: traders,
            amount: tokens(50_000_000),
        });
        for (i, (pool, initial, now)) in pools.iter().enumerate() {
            let (from, to, amount) = if now >= initial {
                (traders, *pool, *now - *initial)
            } else {
                (*pool, traders, *initial - *now)
            };
            if !amount.is_zero() {
                all.push(Transfer {
                    block,
                    log_index: 100 + i as u64,
                    tx: keccak256(format!("demo trades {i}")),
                    from,
                    to,
                    amount,
                });
            }
        }
        all.sort_by_key(|t| (t.block, t.log_index));
        all
    }

    /// The log index's summary and the holders, as the chain source would send them at
    /// `block` (its time `now`).
    pub fn readings(
        &self,
        drips: &[TransferSeen],
        pools: &[(Address, U256, U256)],
        known: &Known,
        block: u64,
        now: OffsetDateTime,
    ) -> (IndexSummary, HoldersReading) {
        let transfers = self.transfers(drips, pools, block);
        let replayed = crate::sources::chain::index::replay(&transfers);
        let supply = tokens(1_600_000_000);
        let time_of = |b: u64| now.unix_timestamp() - (block.saturating_sub(b) as i64) * BLOCK_SECS;
        let times: HashMap<u64, i64> = transfers
            .iter()
            .map(|t| (t.block, time_of(t.block)))
            .collect();
        // The chain's view of the top holders: their balances as replayed (a simulated chain
        // agrees with itself); the pools and the vesting contract hold code.
        let mut chain = ChainView::new();
        for (address, balance) in &replayed.balances {
            let contract = *address == vesting() || known.pools.iter().any(|(p, _)| p == address);
            chain.insert(
                *address,
                (
                    Some(*balance),
                    if contract {
                        HolderKind::Contract
                    } else {
                        HolderKind::Account
                    },
                ),
            );
        }
        chain.insert(Address::ZERO, (Some(U256::ZERO), HolderKind::Account));
        let holders = compute(
            &replayed,
            &transfers,
            supply,
            true,
            block,
            known,
            &chain,
            &times,
            Settings {
                top: 50,
                dust_floor: unit(),
            },
        );
        let seen = |t: Transfer| t.seen(OffsetDateTime::from_unix_timestamp(time_of(t.block)).ok());
        // The last Transfer of the token is the last a person made: the pools' catch-up
        // transfers above stand for their trades.
        let last = transfers.iter().rev().find(|t| t.log_index < 100).copied();
        let summary = IndexSummary {
            start_block: DEPLOYMENT_BLOCK,
            start_source: "the contract's deployment block (simulated)".to_owned(),
            completeness: Completeness::Complete { to: block },
            logs: transfers.len() as u64 * 3,
            transfers: transfers.len() as u64,
            holders: replayed.balances.len(),
            first_transfer: replayed.first.map(seen),
            last_transfer: last.map(seen),
        };
        (summary, holders)
    }
}
