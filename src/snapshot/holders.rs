//! Who holds the token in `snapshot --json` and the `holders` command: the top holders, the
//! supply's breakdown (adding up to `totalSupply` to the wei where the index is complete) and
//! the monthly activity, every amount an exact raw integer, every text sanitized.

use serde::Serialize;

use crate::format::sanitize;
use crate::state::AppState;
use crate::state::holders::{HolderKind, HoldersReading};

#[derive(Debug, Serialize)]
pub struct HoldersJson {
    /// The block the balances are of.
    pub block: u64,
    /// The index is proven complete; otherwise every figure is the index's so far (partial).
    pub complete: bool,
    pub total_supply_raw: String,
    /// The breakdown's sum; `total_supply_raw` where complete.
    pub accounted_raw: String,
    pub adds_up: bool,
    /// Minted less totalSupply, where the token destroyed some (complete index only).
    pub destroyed_raw: Option<String>,
    /// Addresses holding a balance, the burn addresses aside.
    pub holders: u64,
    pub dust_floor_raw: String,
    pub holders_above_dust: u64,
    pub top1_share: Option<f64>,
    pub top10_share: Option<f64>,
    /// The ten largest with pools, burns and the token contract aside (`concentrated_supply`).
    pub top10_excluding_pools_share: Option<f64>,
    pub concentration: ConcentrationJson,
    pub top: Vec<HolderJson>,
    pub breakdown: Vec<SupplyLineJson>,
    pub activity: Vec<MonthJson>,
    /// Transfers whose block time is not read yet (not in `activity`).
    pub activity_missing: u64,
}

#[derive(Debug, Serialize)]
pub struct ConcentrationJson {
    pub name: &'static str,
    pub definition: &'static str,
    pub value: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct HolderJson {
    pub address: String,
    pub ens_name: Option<String>,
    /// `balanceOf` where read, else the replayed balance.
    pub balance_raw: String,
    pub replayed_raw: String,
    pub chain_raw: Option<String>,
    /// The replay and the chain disagree on this balance.
    pub differs: bool,
    pub share: Option<f64>,
    /// `account`, `contract`, `delegated account` (EIP-7702) or `unknown`.
    pub kind: &'static str,
    pub delegated_to: Option<String>,
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SupplyLineJson {
    pub part: &'static str,
    pub description: &'static str,
    pub amount_raw: String,
    pub holders: u64,
    /// Its addresses, largest first (none listed for `rest`).
    pub addresses: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct MonthJson {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub transfers: u64,
    pub volume_raw: String,
}

pub const CONCENTRATION_NAME: &str = "holders_to_half";
pub const CONCENTRATION_DEFINITION: &str =
    "the fewest holders that together hold more than half the supply (burn addresses aside)";

pub fn holders_json(state: &AppState, h: &HoldersReading) -> HoldersJson {
    HoldersJson {
        block: h.block,
        complete: h.complete,
        total_supply_raw: h.total_supply.to_string(),
        accounted_raw: h.accounted.to_string(),
        adds_up: h.accounted == h.total_supply,
        destroyed_raw: h.destroyed.map(|d| d.to_string()),
        holders: h.holders as u64,
        dust_floor_raw: h.dust_floor.to_string(),
        holders_above_dust: h.above_dust as u64,
        top1_share: h.top1_share,
        top10_share: h.top10_share,
        top10_excluding_pools_share: h.top10_excluding_pools_share,
        concentration: ConcentrationJson {
            name: CONCENTRATION_NAME,
            definition: CONCENTRATION_DEFINITION,
            value: h.holders_to_half.map(|n| n as u64),
        },
        top: h
            .top
            .iter()
            .map(|holder| HolderJson {
                address: holder.address.to_checksum(None),
                ens_name: state.name_of(holder.address).map(sanitize),
                balance_raw: holder.balance().to_string(),
                replayed_raw: holder.replayed.to_string(),
                chain_raw: holder.chain.map(|c| c.to_string()),
                differs: holder.differs(),
                share: h.share(holder.balance()),
                kind: holder.kind.as_str(),
                delegated_to: match holder.kind {
                    HolderKind::DelegatedAccount { to } => Some(to.to_checksum(None)),
                    _ => None,
                },
                roles: holder
                    .roles
                    .iter()
                    .map(|r| sanitize(&r.describe()))
                    .collect(),
            })
            .collect(),
        breakdown: h
            .breakdown
            .iter()
            .map(|line| SupplyLineJson {
                part: line.part.key(),
                description: line.part.describe(),
                amount_raw: line.amount.to_string(),
                holders: line.holders as u64,
                addresses: line.addresses.iter().map(|a| a.to_checksum(None)).collect(),
            })
            .collect(),
        activity: h
            .activity
            .iter()
            .map(|m| MonthJson {
                month: format!("{:04}-{:02}", m.year, m.month),
                transfers: m.transfers,
                volume_raw: m.volume.to_string(),
            })
            .collect(),
        activity_missing: h.activity_missing,
    }
}

/// Who holds the token, in the lines of the snapshot table and `popwatch holders`: the counts
/// and concentration, then the breakdown with each line's share.
pub fn summary_lines(h: &HoldersReading, decimals: u8) -> Vec<String> {
    use crate::format::{fraction_pct as opt_pct, token_amount};
    let share = |raw| opt_pct(h.share(raw));
    let mut out = vec![format!(
        "{} holders ({} of at least {} tokens), {}; the largest holds {}, the top 10 {}; half the supply is held by {} of them{}",
        h.holders,
        h.above_dust,
        token_amount(h.dust_floor, decimals, 4),
        if h.complete {
            "complete".to_owned()
        } else {
            "partial: the index's so far".to_owned()
        },
        opt_pct(h.top1_share),
        opt_pct(h.top10_share),
        h.holders_to_half
            .map_or_else(|| "—".to_owned(), |n| n.to_string()),
        if h.top.iter().any(|x| x.differs()) {
            "; replay and chain differ for some (see the list)"
        } else {
            ""
        },
    )];
    for line in &h.breakdown {
        out.push(format!(
            "  {:<52} {:>24} {:>8}  {} address(es)",
            line.part.describe(),
            token_amount(line.amount, decimals, 4),
            share(line.amount),
            line.holders
        ));
    }
    out.push(format!(
        "  {:<52} {:>24} {:>8}  {}",
        "total (totalSupply)",
        token_amount(h.total_supply, decimals, 4),
        share(h.total_supply),
        if h.accounted == h.total_supply {
            "the lines add up to it to the wei".to_owned()
        } else {
            format!(
                "the lines add up to {} (the index is partial)",
                token_amount(h.accounted, decimals, 4)
            )
        }
    ));
    if let Some(destroyed) = h.destroyed {
        out.push(format!(
            "  {:<52} {:>24}",
            "destroyed (minted less totalSupply)",
            token_amount(destroyed, decimals, 4)
        ));
    }
    out
}
