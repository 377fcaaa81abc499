//! The portfolio's exit as a plan someone could execute: each wallet sells its own balance
//! from its own address and pays its own gas; the sales share the pools, so each one is
//! quoted in the pools as the sales before it left them. Wallets that cannot pay their gas, or
//! whose sale fetches less than its gas, are left out and named. Where it nets more,
//! consolidating the POP into one wallet first (each transfer's gas counted) is offered as the
//! alternative. Pure: no I/O.

use alloy::primitives::{I256, U256};

use super::model::{PoolModel, allowance_short, exit_from, impact_pct};
use super::quote::Candidates;
use crate::state::chain::{ChainReading, PoolReading, WalletBalance};
use crate::state::exits::{Excluded, Exit, Leg, PlanKind, PortfolioPlan, Sale, Transfer};

/// Gas units of one POP `transfer` from a wallet to another that already holds POP, the
/// 21,000 base included: measured 37,094 on the devnet token (`tests/integration/exits.rs`,
/// `the_portfolio_plan_executes_as_planned`, asserts it within 10%).
pub const TRANSFER_GAS_UNITS: u64 = 37_100;
/// What a transfer to a wallet that holds no POP yet adds (its balance slot goes from zero):
/// measured 54,194 in all.
pub const FIRST_TRANSFER_EXTRA_GAS_UNITS: u64 = 17_100;

/// The plan for every watched wallet's POP in `reading`'s pools at its gas price. `None` when
/// no wallet has anything a pool would buy.
pub fn plan(reading: &ChainReading) -> Option<PortfolioPlan> {
    let gas_price = reading.gas_price_wei;
    let pools: Vec<PoolReading> = reading
        .pools
        .iter()
        .filter(|p| !p.pop_reserve_raw.is_zero() && !p.weth_reserve_wei.is_zero())
        .cloned()
        .collect();
    let mut holders: Vec<&WalletBalance> = reading
        .balances
        .iter()
        .filter(|b| b.pop_raw.is_some_and(|p| !p.is_zero()))
        .collect();
    // The largest first: the order is stated, and rounding aside the total does not depend
    // on it.
    holders.sort_by(|a, b| b.pop_raw.cmp(&a.pop_raw).then(a.address.cmp(&b.address)));
    let each = each_wallet_sells(&pools, &holders, gas_price)?;
    let alternative = gas_price
        .and_then(|price| consolidate(&pools, &holders, &reading.balances, price))
        .filter(|c| net(&c.exit) > net(&each.exit))
        .map(Box::new);
    Some(PortfolioPlan {
        alternative,
        ..each
    })
}

fn net(exit: &Exit) -> Option<I256> {
    exit.net_eth_wei()
}

/// The best exit of `wallet`'s `amount` in `pools` as they stand.
fn wallet_exit(
    pools: &[PoolReading],
    wallet: &WalletBalance,
    amount: U256,
    gas_price: Option<U256>,
) -> Option<Exit> {
    let models: Vec<PoolModel<'_>> = pools.iter().map(PoolModel).collect();
    exit_from(
        &Candidates::new(amount, &models),
        &models,
        gas_price,
        &|i| allowance_short(wallet, pools[i].spender),
    )
}

/// The pools after `exit`'s legs were sold in them.
fn after(pools: &mut [PoolReading], exit: &Exit) {
    for leg in &exit.legs {
        let Some(pool) = pools.iter_mut().find(|p| p.address == leg.pool) else {
            continue;
        };
        if let Some(v3) = &pool.v3 {
            match v3.after_sell(leg.pop_raw) {
                Ok(next) => pool.v3 = Some(next),
                // The quote that made the leg succeeded: this does not happen.
                Err(_) => continue,
            }
        }
        pool.pop_reserve_raw = pool.pop_reserve_raw.saturating_add(leg.pop_raw);
        pool.weth_reserve_wei = pool.weth_reserve_wei.saturating_sub(leg.eth_out_wei);
    }
}

/// Why `wallet` cannot send `exit` (its ETH short of the up-front gas), if it cannot.
fn cannot_pay(wallet: &WalletBalance, gas_units: u64, gas_price: U256) -> Option<String> {
    let needed = U256::from(gas_units)
        .saturating_mul(gas_price)
        .saturating_mul(U256::from(2u8));
    match wallet.eth_wei {
        None => Some("its ETH balance is unknown, so whether it can pay gas is too".to_owned()),
        Some(eth) if eth < needed => Some(format!(
            "it holds {} ETH, less than the {} ETH its transactions need up front",
            crate::format::token_amount(eth, 18, 6),
            crate::format::token_amount(needed, 18, 6)
        )),
        Some(_) => None,
    }
}

fn each_wallet_sells(
    before: &[PoolReading],
    holders: &[&WalletBalance],
    gas_price: Option<U256>,
) -> Option<PortfolioPlan> {
    let mut pools = before.to_vec();
    let mut sales = Vec::new();
    let mut excluded = Vec::new();
    for wallet in holders {
        let amount = wallet.pop_raw.unwrap_or_default();
        let Some(exit) = wallet_exit(&pools, wallet, amount, gas_price) else {
            excluded.push(Excluded {
                wallet: wallet.address,
                reason: "no pool can take its POP".to_owned(),
            });
            continue;
        };
        if let Some(price) = gas_price {
            if let Some(reason) = cannot_pay(wallet, exit.gas_units, price) {
                excluded.push(Excluded {
                    wallet: wallet.address,
                    reason,
                });
                continue;
            }
            if net(&exit).is_some_and(|n| !n.is_positive()) {
                excluded.push(Excluded {
                    wallet: wallet.address,
                    reason: "its sale would fetch less than its gas".to_owned(),
                });
                continue;
            }
        }
        after(&mut pools, &exit);
        sales.push(Sale {
            wallet: wallet.address,
            exit,
        });
    }
    let exit = aggregate(&sales, &[], gas_price, before)?;
    Some(PortfolioPlan {
        kind: PlanKind::EachWalletSells,
        transfers: Vec::new(),
        sales,
        excluded,
        exit,
        alternative: None,
    })
}

fn consolidate(
    pools: &[PoolReading],
    holders: &[&WalletBalance],
    balances: &[WalletBalance],
    gas_price: U256,
) -> Option<PortfolioPlan> {
    // Into the watched wallet with the most ETH: it pays the one sale.
    let into = balances
        .iter()
        .filter(|b| b.eth_wei.is_some())
        .max_by(|a, b| a.eth_wei.cmp(&b.eth_wei).then(b.address.cmp(&a.address)))?;
    let mut total = into.pop_raw.unwrap_or_default();
    let mut transfers = Vec::new();
    let mut excluded = Vec::new();
    for wallet in holders.iter().filter(|w| w.address != into.address) {
        let first = total.is_zero() && transfers.is_empty();
        let gas_units = TRANSFER_GAS_UNITS
            + if first {
                FIRST_TRANSFER_EXTRA_GAS_UNITS
            } else {
                0
            };
        if let Some(reason) = cannot_pay(wallet, gas_units, gas_price) {
            excluded.push(Excluded {
                wallet: wallet.address,
                reason,
            });
            continue;
        }
        let pop = wallet.pop_raw.unwrap_or_default();
        // A transfer that costs more gas than its POP would fetch is not worth sending.
        let worth = wallet_exit(pools, wallet, pop, None).map_or(U256::ZERO, |e| e.eth_out_wei);
        if worth <= U256::from(gas_units).saturating_mul(gas_price) {
            excluded.push(Excluded {
                wallet: wallet.address,
                reason: "its POP would fetch less than the gas of moving it".to_owned(),
            });
            continue;
        }
        total = total.saturating_add(pop);
        transfers.push(Transfer {
            from: wallet.address,
            pop_raw: pop,
            gas_units,
        });
    }
    if transfers.is_empty() {
        return None; // nothing to consolidate: the same as each wallet selling
    }
    let exit = wallet_exit(pools, into, total, Some(gas_price))?;
    if cannot_pay(into, exit.gas_units, gas_price).is_some() {
        return None;
    }
    let sales = vec![Sale {
        wallet: into.address,
        exit,
    }];
    let exit = aggregate(&sales, &transfers, Some(gas_price), pools)?;
    Some(PortfolioPlan {
        kind: PlanKind::ConsolidateThenSell { into: into.address },
        transfers,
        sales,
        excluded,
        exit,
        alternative: None,
    })
}

/// The plan as one exit: every sale's legs, gross, the gas of every sale and transfer, and the
/// impact against the pools' spot prices before the plan (`before`).
fn aggregate(
    sales: &[Sale],
    transfers: &[Transfer],
    gas_price: Option<U256>,
    before: &[PoolReading],
) -> Option<Exit> {
    if sales.is_empty() {
        return None;
    }
    let legs: Vec<Leg> = sales.iter().flat_map(|s| s.exit.legs.clone()).collect();
    let eth_out_wei = legs
        .iter()
        .fold(U256::ZERO, |sum, l| sum.saturating_add(l.eth_out_wei));
    let gas_units = sales.iter().map(|s| s.exit.gas_units).sum::<u64>()
        + transfers.iter().map(|t| t.gas_units).sum::<u64>();
    let ideal: f64 = legs
        .iter()
        .filter_map(|l| {
            let pool = before.iter().find(|p| p.address == l.pool)?;
            Some(PoolModel(pool).ideal(l.pop_raw))
        })
        .sum();
    Some(Exit {
        legs,
        eth_out_wei,
        gas_cost_wei: gas_price.map(|p| U256::from(gas_units).saturating_mul(p)),
        gas_units,
        price_impact_pct: impact_pct(f64::from(eth_out_wei), ideal),
    })
}
