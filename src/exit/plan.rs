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
use crate::state::exits::{
    Excluded, Exit, Leg, PlanKind, PortfolioPlan, Sale, Transfer, WalletExit,
};

/// Gas units of one POP `transfer` from a wallet to another that already holds POP, the
/// 21,000 base included: measured 37,094 on the devnet token (`tests/integration/exits.rs`,
/// `the_portfolio_plan_executes_as_planned`, asserts it within 10%).
pub const TRANSFER_GAS_UNITS: u64 = 37_100;
/// What a transfer to a wallet that holds no POP yet adds (its balance slot goes from zero):
/// measured 54,194 in all.
pub const FIRST_TRANSFER_EXTRA_GAS_UNITS: u64 = 17_100;

/// A plan kept between refreshes. Each sale is searched in the pools the sales before it
/// left, so nothing of a plan can be reused piecewise; but while the pools and the wallets
/// (balances, ETH, allowances) stay as they were and the gas price moves less than
/// [`REPLAN_GAS_MOVE`], the same transactions are still the plan: only their gas cost is
/// priced again (and checked still payable and worth sending, else it is made again).
#[derive(Debug, Default)]
pub struct PlanCache {
    kept: Option<KeptPlan>,
}

#[derive(Debug)]
struct KeptPlan {
    pools: Vec<PoolReading>,
    balances: Vec<WalletBalance>,
    gas_price: Option<U256>,
    plan: Option<PortfolioPlan>,
}

/// How far (a twentieth: 5%) the gas price may move before a kept plan is made again.
const REPLAN_GAS_MOVE: u64 = 20;

impl PlanCache {
    /// [`plan`], reusing the kept one where it still holds.
    pub fn plan(&mut self, reading: &ChainReading, routes: &[WalletExit]) -> Option<PortfolioPlan> {
        let price = reading.gas_price_wei;
        if let Some(kept) = &self.kept
            && kept.pools == reading.pools
            && kept.balances == reading.balances
            && near(kept.gas_price, price)
        {
            let repriced = kept.plan.as_ref().map(|p| repriced(p, price));
            if repriced
                .as_ref()
                .is_none_or(|p| still_holds(p, &reading.balances, price))
            {
                return repriced;
            }
        }
        let made = plan(reading, routes);
        self.kept = Some(KeptPlan {
            pools: reading.pools.clone(),
            balances: reading.balances.clone(),
            gas_price: price,
            plan: made.clone(),
        });
        made
    }
}

/// Both unknown, or both known and within [`REPLAN_GAS_MOVE`] of each other.
fn near(a: Option<U256>, b: Option<U256>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let diff = if a > b { a - b } else { b - a };
            diff.saturating_mul(U256::from(REPLAN_GAS_MOVE)) <= a
        }
        _ => false,
    }
}

/// `plan` with every transaction's gas priced at `price`.
fn repriced(plan: &PortfolioPlan, price: Option<U256>) -> PortfolioPlan {
    let price_exit = |exit: &Exit| Exit {
        gas_cost_wei: price.map(|p| U256::from(exit.gas_units).saturating_mul(p)),
        ..exit.clone()
    };
    PortfolioPlan {
        sales: plan
            .sales
            .iter()
            .map(|s| Sale {
                wallet: s.wallet,
                exit: price_exit(&s.exit),
            })
            .collect(),
        exit: price_exit(&plan.exit),
        alternative: plan
            .alternative
            .as_ref()
            .map(|a| Box::new(repriced(a, price))),
        ..plan.clone()
    }
}

/// Whether every sale of `plan` can still be paid and still nets more than its gas.
fn still_holds(plan: &PortfolioPlan, balances: &[WalletBalance], price: Option<U256>) -> bool {
    let Some(price) = price else { return true };
    plan.sales.iter().all(|sale| {
        let payer = balances.iter().find(|b| b.address == sale.wallet);
        let gas = sale.exit.gas_units
            + plan
                .transfers
                .iter()
                .filter(|t| t.from == sale.wallet)
                .map(|t| t.gas_units)
                .sum::<u64>();
        payer.is_some_and(|p| cannot_pay(p, gas, price).is_none())
            && net(&sale.exit).is_some_and(|n| n.is_positive())
    }) && plan.transfers.iter().all(|t| {
        balances
            .iter()
            .find(|b| b.address == t.from)
            .is_some_and(|p| cannot_pay(p, t.gas_units, price).is_none())
    }) && plan.alternative.as_deref().is_none_or(|a| {
        // Still payable, and still netting more than each wallet selling its own.
        still_holds(a, balances, Some(price)) && net(&a.exit) > net(&plan.exit)
    })
}

/// The plan for every watched wallet's POP in `reading`'s pools at its gas price. `None` when
/// no wallet has anything a pool would buy.
///
/// Each wallet sells along its own best route (`routes`: each wallet's exit, searched in the
/// pools as they stand), each leg quoted and its gas counted in the pools as the sales before
/// it left them: a thousand searches in pools that change after each sale would cost a
/// first refresh of a thousand holders some 200 ms; re-quoting the routes costs a few quotes
/// each. A route a pool can no longer take is searched again.
pub fn plan(reading: &ChainReading, routes: &[WalletExit]) -> Option<PortfolioPlan> {
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
    let routes: std::collections::HashMap<alloy::primitives::Address, &Exit> = routes
        .iter()
        .filter_map(|w| Some((w.address, w.exit.as_ref()?)))
        .collect();
    let mut each = each_wallet_sells(&pools, &holders, &routes, gas_price)?;
    // A wallet whose balance could not be read is in no plan, and says so.
    each.excluded.extend(
        reading
            .balances
            .iter()
            .filter(|b| b.pop_raw.is_none())
            .map(|b| Excluded {
                wallet: b.address,
                reason: "its POP balance could not be read".to_owned(),
            }),
    );
    let alternative = gas_price
        .and_then(|price| consolidate(&pools, &holders, &reading.balances, &routes, price))
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
        if let Some(v3) = pool.v3.as_mut()
            && v3.sell(leg.pop_raw).is_err()
        {
            // The quote that made the leg succeeded: this does not happen.
            continue;
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
            "it holds {} ETH, not enough for its transactions' gas up front (2 × their gas units × the gas price)",
            crate::format::token_amount(eth, 18, 6)
        )),
        Some(_) => None,
    }
}

/// `route`'s legs from `wallet`, each quoted (and its gas counted) in `pools` as they stand
/// now; `None` when a pool can no longer take its leg.
fn requoted(
    pools: &[PoolReading],
    wallet: &WalletBalance,
    route: &Exit,
    gas_price: Option<U256>,
) -> Option<Exit> {
    let mut legs = Vec::with_capacity(route.legs.len());
    let mut gas_units = 0u64;
    let mut ideal = 0.0;
    for leg in &route.legs {
        let pool = pools.iter().find(|p| p.address == leg.pool)?;
        let model = PoolModel(pool);
        let out = model.quote_detail(leg.pop_raw).ok()?;
        let needs_approve = allowance_short(wallet, pool.spender);
        gas_units += super::quote::Quoting::leg_gas(&model, leg.pop_raw).units(needs_approve);
        ideal += model.ideal(leg.pop_raw);
        legs.push(Leg {
            eth_out_wei: out,
            needs_approve,
            ..leg.clone()
        });
    }
    Some(exit_of(legs, gas_units, ideal, gas_price))
}

/// An exit of `legs`: their gross, their gas at `gas_price`, their impact against `ideal` (the
/// legs' value at the prices before them, fee taken).
fn exit_of(legs: Vec<Leg>, gas_units: u64, ideal: f64, gas_price: Option<U256>) -> Exit {
    let eth_out_wei = legs
        .iter()
        .fold(U256::ZERO, |sum, l| sum.saturating_add(l.eth_out_wei));
    Exit {
        legs,
        eth_out_wei,
        gas_cost_wei: gas_price.map(|p| U256::from(gas_units).saturating_mul(p)),
        gas_units,
        price_impact_pct: impact_pct(f64::from(eth_out_wei), ideal),
    }
}

fn each_wallet_sells(
    before: &[PoolReading],
    holders: &[&WalletBalance],
    routes: &std::collections::HashMap<alloy::primitives::Address, &Exit>,
    gas_price: Option<U256>,
) -> Option<PortfolioPlan> {
    let mut pools = before.to_vec();
    let mut sales = Vec::new();
    let mut excluded = Vec::new();
    for wallet in holders {
        let amount = wallet.pop_raw.unwrap_or_default();
        let exit = routes
            .get(&wallet.address)
            .and_then(|route| requoted(&pools, wallet, route, gas_price))
            .or_else(|| wallet_exit(&pools, wallet, amount, gas_price));
        let Some(exit) = exit else {
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
    routes: &std::collections::HashMap<alloy::primitives::Address, &Exit>,
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
        // A transfer that costs more gas than its POP would fetch (sold alone, by its own
        // route) is not worth sending.
        let worth = routes
            .get(&wallet.address)
            .map_or(U256::ZERO, |route| route.eth_out_wei);
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
    let gas_units = sales.iter().map(|s| s.exit.gas_units).sum::<u64>()
        + transfers.iter().map(|t| t.gas_units).sum::<u64>();
    let ideal: f64 = legs
        .iter()
        .filter_map(|l| {
            let pool = before.iter().find(|p| p.address == l.pool)?;
            Some(PoolModel(pool).ideal(l.pop_raw))
        })
        .sum();
    Some(exit_of(legs, gas_units, ideal, gas_price))
}
