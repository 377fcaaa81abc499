//! Who holds the token, from the index: balances replayed from its Transfers, the largest
//! holders' `balanceOf` and code read from the chain in one batched round, every address given
//! one place in a breakdown of the supply (which adds up to `totalSupply` to the wei when the
//! index is complete), and the Transfers of each month.

use std::collections::HashMap;

use alloy::primitives::{Address, U256};
use alloy::sol_types::SolCall;
use serde_json::json;
use time::OffsetDateTime;

use super::log::Transfer;
use super::replay::Replay;
use crate::abi::IERC20;
use crate::sources::chain::rpc::{RpcCall, RpcClient};
pub use crate::state::holders::ratio;
use crate::state::holders::{
    DEAD, Holder, HolderKind, HoldersReading, MonthActivity, Role, SupplyLine, SupplyPart,
};

/// What popwatch knows of addresses besides the chain: who is who.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub token: Address,
    /// Pools, with their venue's name.
    pub pools: Vec<(Address, String)>,
    /// Watched wallets, with their labels.
    pub watched: Vec<(Address, String)>,
    /// The user's `[[labels]]`.
    pub labels: Vec<(Address, String)>,
}

impl Known {
    /// Who is who by `config` (the token, the watched wallets, the `[[labels]]`) and the pools
    /// found, with their venues' names.
    pub fn from_config(config: &crate::config::Config, pools: Vec<(Address, String)>) -> Self {
        Self {
            token: config.token.address,
            pools,
            watched: config
                .wallets
                .iter()
                .map(|w| (w.address, w.label.clone()))
                .collect(),
            labels: config
                .labels
                .iter()
                .map(|l| (l.address, l.label.clone()))
                .collect(),
        }
    }

    /// The roles of `address` (`initial`: the first mint's recipient).
    pub fn roles(&self, address: Address, initial: Option<Address>) -> Vec<Role> {
        let mut roles = Vec::new();
        if address.is_zero() {
            roles.push(Role::Zero);
        }
        if address == DEAD {
            roles.push(Role::Dead);
        }
        if address == self.token {
            roles.push(Role::TokenContract);
        }
        for (pool, venue) in &self.pools {
            if *pool == address {
                roles.push(Role::Pool(venue.clone()));
            }
        }
        if initial == Some(address) {
            roles.push(Role::InitialRecipient);
        }
        for (wallet, label) in &self.watched {
            if *wallet == address {
                roles.push(Role::Watched(label.clone()));
            }
        }
        for (labelled, label) in &self.labels {
            if *labelled == address {
                roles.push(Role::Labelled(label.clone()));
            }
        }
        roles
    }

    fn is_pool(&self, address: Address) -> bool {
        self.pools.iter().any(|(p, _)| *p == address)
    }
}

/// What the chain said of the top holders: `balanceOf` and the kind of each, where read.
pub type ChainView = HashMap<Address, (Option<U256>, HolderKind)>;

/// The figures' settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub top: usize,
    pub dust_floor: U256,
}

/// Whether an address is a burn address (its tokens are still in `totalSupply`).
pub fn is_burn(address: Address) -> bool {
    address.is_zero() || address == DEAD
}

/// The addresses with the largest replayed balances, largest first (ties by address).
pub fn largest(replay: &Replay, n: usize) -> Vec<(Address, U256)> {
    let mut all: Vec<(Address, U256)> = replay.balances.iter().map(|(a, b)| (*a, *b)).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(n);
    all
}

/// Everything the Holders view shows, from the replay (`complete`: the index is proven
/// complete), what the chain said of the top holders, and the block times read.
#[allow(clippy::too_many_arguments)]
pub fn compute(
    replay: &Replay,
    transfers: &[Transfer],
    total_supply: U256,
    complete: bool,
    block: u64,
    known: &Known,
    chain: &ChainView,
    times: &HashMap<u64, i64>,
    settings: Settings,
) -> HoldersReading {
    let initial = replay.initial_recipient;
    // The chain's balanceOf(0x0) where read, else the replay's reading of it.
    let zero_held = chain
        .get(&Address::ZERO)
        .and_then(|(balance, _)| *balance)
        .unwrap_or_else(|| replay.zero_held(total_supply));
    // Every address with a balance, the zero address's included where it holds some.
    let mut balances: Vec<(Address, U256)> =
        replay.balances.iter().map(|(a, b)| (*a, *b)).collect();
    if !zero_held.is_zero() {
        balances.push((Address::ZERO, zero_held));
    }
    balances.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let top: Vec<Holder> = balances
        .iter()
        .filter(|(a, _)| !a.is_zero())
        .take(settings.top)
        .map(|&(address, replayed)| {
            let (chain_balance, kind) = chain
                .get(&address)
                .copied()
                .unwrap_or((None, HolderKind::Unknown));
            Holder {
                address,
                replayed,
                chain: chain_balance,
                kind,
                roles: known.roles(address, initial),
            }
        })
        .collect();

    // Each address in one part, in the order of `SupplyPart::ALL`.
    let mut lines: Vec<SupplyLine> = SupplyPart::ALL
        .iter()
        .map(|&part| SupplyLine {
            part,
            amount: U256::ZERO,
            addresses: Vec::new(),
            holders: 0,
        })
        .collect();
    let mut top10_left = 10;
    for &(address, balance) in &balances {
        let kind = chain.get(&address).map(|(_, k)| *k);
        let part = if is_burn(address) {
            SupplyPart::Burnt
        } else if address == known.token {
            SupplyPart::TokenContract
        } else if known.is_pool(address) {
            SupplyPart::Pools
        } else if initial == Some(address) {
            SupplyPart::InitialRecipient
        } else if kind == Some(HolderKind::Contract) {
            SupplyPart::OtherContracts
        } else if top10_left > 0 {
            top10_left -= 1;
            SupplyPart::Top10
        } else {
            SupplyPart::Rest
        };
        let line = &mut lines[SupplyPart::ALL
            .iter()
            .position(|p| *p == part)
            .expect("every part is listed")];
        line.amount = line.amount.saturating_add(balance);
        line.holders += 1;
        if part != SupplyPart::Rest {
            line.addresses.push(address);
        }
    }
    let accounted = lines
        .iter()
        .fold(U256::ZERO, |sum, l| sum.saturating_add(l.amount));

    // Holders and concentration: the burn addresses are nobody.
    let people: Vec<U256> = top
        .iter()
        .filter(|h| !is_burn(h.address))
        .map(Holder::balance)
        .collect();
    let share = |amount: U256| -> Option<f64> {
        (!total_supply.is_zero()).then(|| ratio(amount, total_supply))
    };
    let holders = balances.iter().filter(|(a, _)| !is_burn(*a)).count();
    let above_dust = balances
        .iter()
        .filter(|(a, b)| !is_burn(*a) && *b >= settings.dust_floor)
        .count();
    let top10_sum = people
        .iter()
        .take(10)
        .fold(U256::ZERO, |s, b| s.saturating_add(*b));
    let excluding: Vec<&Holder> = top
        .iter()
        .filter(|h| !is_burn(h.address) && h.address != known.token && !known.is_pool(h.address))
        .take(10)
        .collect();
    let excluding_sum = excluding
        .iter()
        .fold(U256::ZERO, |s, h| s.saturating_add(h.balance()));
    let half = total_supply / U256::from(2);
    let mut running = U256::ZERO;
    let mut holders_to_half = None;
    for (i, (_, balance)) in balances.iter().filter(|(a, _)| !is_burn(*a)).enumerate() {
        running = running.saturating_add(*balance);
        if running > half {
            holders_to_half = Some(i + 1);
            break;
        }
    }
    let (activity, activity_missing) = monthly(transfers, times);
    HoldersReading {
        block,
        total_supply,
        complete,
        destroyed: (complete && replay.minted > total_supply).then(|| replay.minted - total_supply),
        holders,
        dust_floor: settings.dust_floor,
        above_dust,
        breakdown: lines,
        accounted,
        top1_share: people.first().and_then(|b| share(*b)),
        top10_share: (!people.is_empty()).then(|| share(top10_sum)).flatten(),
        top10_excluding_pools_share: (!excluding.is_empty())
            .then(|| share(excluding_sum))
            .flatten(),
        top10_excluding_pools: excluding.iter().map(|h| h.address).collect(),
        holders_to_half,
        top,
        activity,
        activity_missing,
    }
}

/// The Transfers of each month (UTC) whose block time is known, oldest first; and how many
/// have none yet.
pub fn monthly(transfers: &[Transfer], times: &HashMap<u64, i64>) -> (Vec<MonthActivity>, u64) {
    let mut months: std::collections::BTreeMap<(i32, u8), (u64, U256)> = Default::default();
    let mut missing = 0;
    for t in transfers {
        let Some(time) = times
            .get(&t.block)
            .and_then(|s| OffsetDateTime::from_unix_timestamp(*s).ok())
        else {
            missing += 1;
            continue;
        };
        let entry = months
            .entry((time.year(), u8::from(time.month())))
            .or_default();
        entry.0 += 1;
        entry.1 = entry.1.saturating_add(t.amount);
    }
    let activity = months
        .into_iter()
        .map(|((year, month), (transfers, volume))| MonthActivity {
            year,
            month,
            transfers,
            volume,
        })
        .collect();
    (activity, missing)
}

/// Block times asked per refresh at most, and per batch: the history's times come in over the
/// first refreshes, and a node capping batches is asked small ones.
pub const TIMES_PER_REFRESH: usize = 1_000;
const TIMES_PER_BATCH: usize = 50;

/// Reads the times of `blocks` (at most [`TIMES_PER_REFRESH`]), pinned at `head`; the ones
/// read. A batch that fails is left for the next refresh.
pub async fn read_block_times(rpc: &RpcClient, blocks: &[u64], head: u64) -> Vec<(u64, i64)> {
    let mut out = Vec::new();
    for chunk in blocks
        .iter()
        .take(TIMES_PER_REFRESH)
        .copied()
        .collect::<Vec<_>>()
        .chunks(TIMES_PER_BATCH)
    {
        let calls: Vec<RpcCall> = chunk
            .iter()
            .map(|b| RpcCall::new("eth_getBlockByNumber", json!([format!("0x{b:x}"), false])))
            .collect();
        let Ok(answers) = rpc.call_many_at(&calls, head).await else {
            break;
        };
        for (block, answer) in chunk.iter().zip(answers) {
            if let Some(time) = answer
                .ok()
                .and_then(|b| crate::sources::chain::rpc::parse_quantity(&b["timestamp"]))
                .and_then(|t| i64::try_from(t).ok())
            {
                out.push((*block, time));
            }
        }
    }
    out
}

/// `balanceOf` and code of `addresses` at `head`, in one batched round; an answer that is
/// missing or malformed leaves that figure unknown.
pub async fn read_chain_view(
    rpc: &RpcClient,
    token: Address,
    addresses: &[Address],
    head: u64,
) -> ChainView {
    let mut calls = Vec::with_capacity(addresses.len() * 2);
    let at = format!("0x{head:x}");
    for address in addresses {
        let data = IERC20::balanceOfCall { owner: *address }.abi_encode();
        calls.push(RpcCall::new(
            "eth_call",
            json!([{"to": token, "data": alloy::primitives::Bytes::from(data)}, at]),
        ));
        calls.push(RpcCall::new("eth_getCode", json!([address, at])));
    }
    let mut view = ChainView::new();
    let Ok(answers) = rpc.call_many_at(&calls, head).await else {
        return view;
    };
    let hex = |v: &serde_json::Value| -> Option<Vec<u8>> {
        alloy::primitives::hex::decode(v.as_str()?).ok()
    };
    for (address, pair) in addresses.iter().zip(answers.chunks(2)) {
        let balance = pair
            .first()
            .and_then(|a| a.as_ref().ok())
            .and_then(hex)
            .filter(|b| b.len() == 32)
            .map(|b| U256::from_be_slice(&b));
        let kind = pair
            .get(1)
            .and_then(|a| a.as_ref().ok())
            .and_then(hex)
            .map_or(HolderKind::Unknown, |code| HolderKind::from_code(&code));
        view.insert(*address, (balance, kind));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::B256;

    fn t(block: u64, from: Address, to: Address, amount: u64) -> Transfer {
        Transfer {
            block,
            log_index: 0,
            tx: B256::ZERO,
            from,
            to,
            amount: U256::from(amount),
        }
    }

    fn a(byte: u8) -> Address {
        Address::repeat_byte(byte)
    }

    /// A mint of 1000 to 0x01, who sends to a pool, to 15 holders, to the dead address, and
    /// burns 10 (destroyed: the supply is 990): every wei in one line, the lines add up to
    /// the supply, the roles and the shares follow.
    #[test]
    fn every_wei_of_the_supply_is_in_one_line_and_they_add_up() {
        let token = a(0xee);
        let pool = a(0xbb);
        let mut transfers = vec![
            t(1, Address::ZERO, a(1), 1000),
            t(2, a(1), pool, 100),
            t(3, a(1), DEAD, 50),
            t(4, a(1), Address::ZERO, 10),
            t(5, a(1), token, 5),
        ];
        for i in 0..15u8 {
            transfers.push(t(6, a(1), a(0x20 + i), 10 + u64::from(i)));
        }
        let replay = super::super::replay(&transfers);
        let supply = U256::from(990);
        let known = Known {
            token,
            pools: vec![(pool, "Uniswap V1".into())],
            watched: vec![(a(0x20), "mine".into())],
            labels: vec![(a(0x21), "exchange".into())],
        };
        let mut chain = ChainView::new();
        chain.insert(a(0x2e), (Some(U256::from(24)), HolderKind::Contract));
        let r = compute(
            &replay,
            &transfers,
            supply,
            true,
            9,
            &known,
            &chain,
            &HashMap::new(),
            Settings {
                top: 50,
                dust_floor: U256::from(12),
            },
        );
        assert_eq!(r.accounted, supply, "{:?}", r.breakdown);
        let line = |p: SupplyPart| r.breakdown.iter().find(|l| l.part == p).unwrap().clone();
        assert_eq!(line(SupplyPart::Burnt).amount, U256::from(50));
        assert_eq!(line(SupplyPart::Burnt).addresses, vec![DEAD]);
        assert_eq!(line(SupplyPart::Pools).amount, U256::from(100));
        assert_eq!(line(SupplyPart::TokenContract).amount, U256::from(5));
        assert_eq!(line(SupplyPart::OtherContracts).addresses, vec![a(0x2e)]);
        assert_eq!(line(SupplyPart::Top10).holders, 10);
        assert_eq!(line(SupplyPart::Rest).holders, 4);
        assert_eq!(r.destroyed, Some(U256::from(10)));
        // 0x01, the pool, the token and 15 others: the dead address is nobody.
        assert_eq!(r.holders, 18);
        let first = &r.top[0];
        assert_eq!(first.address, a(1));
        assert!(first.roles.contains(&Role::InitialRecipient));
        let mine = r.top.iter().find(|h| h.address == a(0x20)).unwrap();
        assert_eq!(mine.roles, vec![Role::Watched("mine".into())]);
        // Shares: the initial recipient keeps 1000 - 100 - 50 - 10 - 5 - 255 = 580 of 990.
        assert_eq!(first.replayed, U256::from(580));
        assert!((r.top1_share.unwrap() - 580.0 / 990.0).abs() < 1e-12);
        assert_eq!(r.holders_to_half, Some(1));
        // Dust: below 12 tokens, 0x20, 0x21 (10, 11) and the token contract (5) are not counted.
        assert_eq!(r.above_dust, r.holders - 3);
        assert!(!r.top10_excluding_pools.contains(&pool));
        assert!(!r.top10_excluding_pools.contains(&token));
    }

    /// A token whose transfer to 0x0 keeps the tokens in `totalSupply`: the zero address holds
    /// them, in the burnt line, and the lines still add up.
    #[test]
    fn tokens_sent_to_the_zero_address_and_kept_in_the_supply_are_burnt_not_lost() {
        let transfers = vec![
            t(1, Address::ZERO, a(1), 1000),
            t(2, a(1), Address::ZERO, 300),
        ];
        let replay = super::super::replay(&transfers);
        let r = compute(
            &replay,
            &transfers,
            U256::from(1000),
            true,
            2,
            &Known::default(),
            &ChainView::new(),
            &HashMap::new(),
            Settings {
                top: 5,
                dust_floor: U256::from(1),
            },
        );
        assert_eq!(r.accounted, U256::from(1000));
        let burnt = r
            .breakdown
            .iter()
            .find(|l| l.part == SupplyPart::Burnt)
            .unwrap();
        assert_eq!(burnt.amount, U256::from(300));
        assert_eq!(burnt.addresses, vec![Address::ZERO]);
        assert_eq!(r.destroyed, None);
        assert_eq!(r.holders, 1);
    }

    #[test]
    fn months_count_transfers_by_their_block_time() {
        let transfers = vec![
            t(1, a(1), a(2), 5),
            t(2, a(1), a(2), 7),
            t(3, a(1), a(2), 1),
            t(4, a(1), a(2), 1),
        ];
        // 2018-05-31 23:59:59, 2018-06-01 00:00:00, 2018-06-15; block 4 unknown.
        let times = HashMap::from([(1, 1_527_811_199), (2, 1_527_811_200), (3, 1_529_020_800)]);
        let (months, missing) = monthly(&transfers, &times);
        assert_eq!(missing, 1);
        assert_eq!(
            months,
            vec![
                MonthActivity {
                    year: 2018,
                    month: 5,
                    transfers: 1,
                    volume: U256::from(5)
                },
                MonthActivity {
                    year: 2018,
                    month: 6,
                    transfers: 2,
                    volume: U256::from(8)
                },
            ]
        );
    }

    #[test]
    fn code_tells_an_account_a_contract_and_a_delegated_account_apart() {
        assert_eq!(HolderKind::from_code(&[]), HolderKind::Account);
        assert_eq!(HolderKind::from_code(&[0x60, 0x80]), HolderKind::Contract);
        let mut delegated = vec![0xef, 0x01, 0x00];
        delegated.extend_from_slice(a(7).as_slice());
        assert_eq!(
            HolderKind::from_code(&delegated),
            HolderKind::DelegatedAccount { to: a(7) }
        );
    }

    #[test]
    fn a_ratio_of_huge_amounts_is_exact_enough() {
        let supply = U256::from(1_600_000_000u64) * U256::from(10).pow(U256::from(18));
        assert!((ratio(supply / U256::from(4), supply) - 0.25).abs() < 1e-12);
        assert_eq!(ratio(U256::ZERO, supply), 0.0);
    }
}
