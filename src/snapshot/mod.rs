//! `popwatch snapshot`: one refresh of every source through the shared pipeline, then the state
//! printed as a table or as the JSON shape of PRODUCT.md. Unknown figures are `null`.

pub mod holders;

use std::fmt::Write as _;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Config;
use crate::exit::compute::{APPROVE_GAS_UNITS, leg_gas};
use crate::flags::Flags;
use crate::format::{rfc3339, sanitize, token_amount};
use crate::monitor::Monitor;
use crate::sources::unavailable_updates;
use crate::state::exits::Venue;
use crate::state::{AppState, SourceStatus};

/// `popwatch snapshot`'s observation: every source read once, through the monitor every front
/// end drives, judged once.
pub async fn observe(config: &Config, index: Option<crate::sources::IndexHandle>) -> Monitor {
    let mut state = AppState::new(config);
    let mut sources = crate::sources::sources_indexed(config, index);
    for update in unavailable_updates(&sources) {
        state.apply(update);
    }
    let mut monitor = Monitor::new(state, OffsetDateTime::now_utc());
    // The first snapshot reads the token's whole history into the index: how far it has
    // gone, on one line of a terminal's stderr (never into the output).
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let show = |update: &crate::state::Update| {
        if let (true, crate::state::Update::IndexProgress(p)) = (progress, update) {
            index_progress_line(p.as_ref());
        }
    };
    for update in crate::sources::refresh_all_once_watching(&mut sources, show).await {
        monitor.apply(update);
    }
    monitor.judge(OffsetDateTime::now_utc());
    monitor
}

/// The index's progress on stderr, over itself (`None`: the line is cleared).
fn index_progress_line(progress: Option<&crate::state::transfers::IndexProgress>) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = match progress {
        Some(p) => write!(
            err,
            "\r\x1b[Kreading the token's history: {} of {} blocks, {} logs{}",
            p.blocks_done,
            p.blocks_total,
            p.logs,
            p.eta
                .map(|eta| format!(", ~{} left", crate::format::age(eta.as_secs() as i64)))
                .unwrap_or_default()
        ),
        None => write!(err, "\r\x1b[K"),
    };
    let _ = err.flush();
}

/// Runs every source once and returns the resulting state.
pub async fn collect(config: &Config) -> AppState {
    observe(config, None).await.into_state()
}

/// The version of `snapshot --json`'s shape, described by `schemas/snapshot.schema.json`.
/// A change of shape bumps it and is listed in the README's changelog.
pub const SCHEMA_VERSION: u32 = 5;

#[derive(Debug, Serialize)]
pub struct SnapshotJson {
    pub schema_version: u32,
    pub chain_id: u64,
    pub block: Option<u64>,
    pub block_time: Option<String>,
    pub token: TokenJson,
    pub eth_usd: Option<EthUsdJson>,
    pub gas: Option<GasJson>,
    pub wallets: Vec<WalletJson>,
    pub portfolio_exit: Option<ExitJson>,
    /// How `portfolio_exit` would be executed, step by step.
    pub portfolio_plan: Option<PlanJson>,
    pub pools: Vec<PoolJson>,
    pub market: MarketJson,
    pub warnings: Vec<crate::flags::Warning>,
    /// Rules whose inputs are unknown, and what they lack.
    pub not_evaluated: Vec<crate::flags::NotEvaluated>,
    pub sources: Vec<SourceJson>,
    /// The token's log index: `null` where none is kept (`--no-history`) or before it is read.
    pub index: Option<IndexJson>,
    /// Who holds the token, from the index: `null` where there is none, or before it is read.
    pub holders: Option<holders::HoldersJson>,
}

#[derive(Debug, Serialize)]
pub struct IndexJson {
    pub start_block: u64,
    /// Where the start block came from: the deployment block, `[token] start_block`, or the
    /// chain's first block, with why.
    pub start_source: String,
    /// Proven complete: the replayed balances of every holder sum to totalSupply.
    pub complete: bool,
    /// Complete up to this block; `null` when partial.
    pub complete_to: Option<u64>,
    /// Partial: the block the index holds every log from (to the head), or `null`; and why.
    pub partial_from: Option<u64>,
    pub partial_reason: Option<String>,
    pub logs: u64,
    pub transfers: u64,
    pub holders: u64,
    pub first_transfer: Option<TransferJson>,
    pub last_transfer: Option<TransferJson>,
}

/// The index in one line of the table: what it proves, what it holds, its first and last
/// Transfer.
fn index_line(index: &IndexJson) -> String {
    let proof = match (index.complete_to, index.partial_from) {
        (Some(to), _) => format!("complete from block {} to {to}", index.start_block),
        (None, Some(from)) => format!(
            "partial, from block {from} ({})",
            index.partial_reason.as_deref().unwrap_or("")
        ),
        (None, None) => format!(
            "partial ({})",
            index.partial_reason.as_deref().unwrap_or("")
        ),
    };
    let at = |t: &Option<TransferJson>| {
        t.as_ref()
            .map(|t| {
                format!(
                    "block {} ({})",
                    t.block,
                    t.at.as_deref().unwrap_or("time unknown")
                )
            })
            .unwrap_or_else(|| "none".to_owned())
    };
    format!(
        "{proof}: {} logs, {} Transfers, {} holders; first Transfer {}, last {}",
        index.logs,
        index.transfers,
        index.holders,
        at(&index.first_transfer),
        at(&index.last_transfer)
    )
}

fn index_json(summary: &crate::state::transfers::IndexSummary) -> IndexJson {
    use crate::state::transfers::Completeness;
    let (complete_to, partial_from, partial_reason) = match &summary.completeness {
        Completeness::Complete { to } => (Some(*to), None, None),
        Completeness::Partial { from, reason } => (None, *from, Some(sanitize(reason))),
    };
    IndexJson {
        start_block: summary.start_block,
        start_source: sanitize(&summary.start_source),
        complete: complete_to.is_some(),
        complete_to,
        partial_from,
        partial_reason,
        logs: summary.logs,
        transfers: summary.transfers,
        holders: summary.holders as u64,
        first_transfer: summary.first_transfer.as_ref().map(transfer_json),
        last_transfer: summary.last_transfer.as_ref().map(transfer_json),
    }
}

#[derive(Debug, Serialize)]
pub struct EthUsdJson {
    pub price: f64,
    pub source: &'static str,
    pub updated_at: String,
    /// Older than 3 heartbeats of the feed.
    pub stale: bool,
}

#[derive(Debug, Serialize)]
pub struct TokenJson {
    pub address: String,
    pub name: Option<String>,
    pub symbol: Option<String>,
    pub decimals: Option<u8>,
    pub total_supply_raw: Option<String>,
    /// The token's latest Transfer of all (for dormancy), when the log scan found one.
    pub last_transfer: Option<TransferJson>,
}

#[derive(Debug, Serialize)]
pub struct TransferJson {
    pub block: u64,
    pub at: Option<String>,
    pub tx: String,
    pub from: String,
    pub to: String,
    pub amount_raw: String,
    /// For a zero-value transfer: who sent the transaction.
    pub tx_sender: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ApprovalJson {
    pub spender: String,
    pub allowance_raw: String,
}

fn transfer_json(t: &crate::state::transfers::TransferSeen) -> TransferJson {
    TransferJson {
        block: t.block,
        at: t.time.map(rfc3339),
        tx: t.tx.to_string(),
        from: t.from.to_checksum(None),
        to: t.to.to_checksum(None),
        amount_raw: t.amount.to_string(),
        tx_sender: t.tx_sender.map(|a| a.to_checksum(None)),
    }
}

#[derive(Debug, Serialize)]
pub struct WalletJson {
    pub label: String,
    pub address: String,
    /// Its ENS reverse name, verified forward; `null` when none (or not looked up yet).
    pub ens_name: Option<String>,
    pub pop_raw: Option<String>,
    pub eth_wei: Option<String>,
    pub value_usd: Option<f64>,
    pub value_source: Option<String>,
    pub last_transfer_at: Option<String>,
    pub quotes: Vec<QuoteJson>,
    pub exit: Option<ExitJson>,
    pub sell_check: Option<SellCheckJson>,
    pub last_in: Option<TransferJson>,
    pub last_out: Option<TransferJson>,
    /// Contracts that may still spend this wallet's POP (non-zero allowances).
    pub approvals: Vec<ApprovalJson>,
}

#[derive(Debug, Serialize)]
pub struct GasJson {
    pub gas_price_wei: String,
    /// One leg with its approve (the allowance short), per venue.
    pub sell_gas_units: std::collections::BTreeMap<&'static str, u64>,
    /// One leg's swap alone (the allowance covers the sale), per venue.
    pub swap_gas_units: std::collections::BTreeMap<&'static str, u64>,
    pub approve_gas_units: u64,
}

#[derive(Debug, Serialize)]
pub struct QuoteJson {
    pub venue: &'static str,
    pub pool: String,
    pub eth_out_wei: Option<String>,
    pub price_impact_pct: Option<f64>,
    /// Why there is no quote (e.g. "the pool cannot absorb this amount").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct LegJson {
    pub venue: &'static str,
    pub pool: String,
    pub pop_raw: String,
    pub eth_out_wei: String,
    pub needs_approve: bool,
}

#[derive(Debug, Serialize)]
pub struct ExitJson {
    pub venue: &'static str,
    pub eth_out_wei: String,
    /// `null` when the gas price is unknown.
    pub gas_cost_wei: Option<String>,
    pub net_eth_wei: Option<String>,
    pub usd: Option<f64>,
    pub price_impact_pct: f64,
    pub split: Vec<LegJson>,
}

#[derive(Debug, Serialize)]
pub struct SellCheckJson {
    /// `sells`, `fails`, `too_small`, `cannot_receive` or `not_evaluated`.
    pub outcome: &'static str,
    /// Whether the whole balance sells; `null` when not evaluated.
    pub ok: Option<bool>,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct LadderJson {
    pub pop_raw: String,
    pub eth_out_wei: Option<String>,
    pub price_impact_pct: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct SellableJson {
    pub impact_pct: f64,
    pub pop_raw: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PoolJson {
    pub venue: &'static str,
    pub address: String,
    pub fee_ppm: u32,
    pub pop_reserve_raw: String,
    pub weth_reserve_wei: String,
    pub liquidity_usd: Option<f64>,
    pub price_usd: Option<f64>,
    pub ladder: Vec<LadderJson>,
    pub sellable_within: Vec<SellableJson>,
}

#[derive(Debug, Serialize)]
pub struct PlanJson {
    /// `each_wallet_sells` or `consolidate_then_sell`.
    pub plan: &'static str,
    /// The consolidating wallet (consolidation only).
    pub into: Option<String>,
    /// In order: transfers first, then sales.
    pub steps: Vec<PlanStepJson>,
    pub excluded: Vec<ExcludedJson>,
    pub exit: ExitJson,
    /// Consolidating first, where it nets more than each wallet selling its own.
    pub alternative: Option<Box<PlanJson>>,
}

#[derive(Debug, Serialize)]
pub struct PlanStepJson {
    /// `transfer` (POP to the consolidating wallet) or `sell`.
    pub action: &'static str,
    pub wallet: String,
    pub label: Option<String>,
    pub pop_raw: String,
    pub gas_units: u64,
    /// A sale's exit (its legs, gross, gas, net); `null` for a transfer.
    pub exit: Option<ExitJson>,
}

#[derive(Debug, Serialize)]
pub struct ExcludedJson {
    pub wallet: String,
    pub label: Option<String>,
    pub reason: String,
}

fn plan_json(state: &AppState, plan: &crate::state::exits::PortfolioPlan) -> PlanJson {
    use crate::state::exits::PlanKind;
    let label = |address: alloy::primitives::Address| {
        state
            .wallets
            .iter()
            .find(|w| w.address == address)
            .map(|w| sanitize(&w.label))
    };
    let transfers = plan.transfers.iter().map(|t| PlanStepJson {
        action: "transfer",
        wallet: t.from.to_checksum(None),
        label: label(t.from),
        pop_raw: t.pop_raw.to_string(),
        gas_units: t.gas_units,
        exit: None,
    });
    let sales = plan.sales.iter().map(|s| PlanStepJson {
        action: "sell",
        wallet: s.wallet.to_checksum(None),
        label: label(s.wallet),
        pop_raw: s
            .exit
            .legs
            .iter()
            .fold(alloy::primitives::U256::ZERO, |sum, l| {
                sum.saturating_add(l.pop_raw)
            })
            .to_string(),
        gas_units: s.exit.gas_units,
        exit: Some(exit_json(state, &s.exit)),
    });
    PlanJson {
        plan: plan.kind.as_str(),
        into: match plan.kind {
            PlanKind::ConsolidateThenSell { into } => Some(into.to_checksum(None)),
            PlanKind::EachWalletSells => None,
        },
        steps: transfers.chain(sales).collect(),
        excluded: plan
            .excluded
            .iter()
            .map(|e| ExcludedJson {
                wallet: e.wallet.to_checksum(None),
                label: label(e.wallet),
                reason: sanitize(&e.reason),
            })
            .collect(),
        exit: exit_json(state, &plan.exit),
        alternative: plan
            .alternative
            .as_ref()
            .map(|a| Box::new(plan_json(state, a))),
    }
}

fn exit_json(state: &AppState, exit: &crate::state::exits::Exit) -> ExitJson {
    let net = exit.net_eth_wei();
    ExitJson {
        venue: exit.venue_name(),
        eth_out_wei: exit.eth_out_wei.to_string(),
        gas_cost_wei: exit.gas_cost_wei.map(|g| g.to_string()),
        net_eth_wei: net.map(|n| n.to_string()),
        usd: net.and_then(|n| state.wei_usd(n)),
        price_impact_pct: exit.price_impact_pct,
        split: exit
            .legs
            .iter()
            .map(|l| LegJson {
                venue: l.venue.as_str(),
                pool: l.pool.to_checksum(None),
                pop_raw: l.pop_raw.to_string(),
                eth_out_wei: l.eth_out_wei.to_string(),
                needs_approve: l.needs_approve,
            })
            .collect(),
    }
}

fn pool_json(state: &AppState, p: &crate::state::exits::PoolState) -> PoolJson {
    PoolJson {
        venue: p.venue.as_str(),
        address: p.address.to_checksum(None),
        fee_ppm: p.fee_ppm,
        pop_reserve_raw: p.pop_reserve_raw.to_string(),
        weth_reserve_wei: p.weth_reserve_wei.to_string(),
        liquidity_usd: crate::state::figures::pool_liquidity_usd(state, p),
        price_usd: crate::state::figures::pool_price_usd(state, p),
        ladder: p
            .ladder
            .iter()
            .map(|l| LadderJson {
                pop_raw: l.pop_raw.to_string(),
                eth_out_wei: l.eth_out_wei.map(|v| v.to_string()),
                price_impact_pct: l.price_impact_pct,
            })
            .collect(),
        sellable_within: p
            .sellable_within
            .iter()
            .map(|(pct, amount)| SellableJson {
                impact_pct: *pct,
                pop_raw: amount.map(|a| a.to_string()),
            })
            .collect(),
    }
}

#[derive(Debug, Default, Serialize)]
pub struct MarketJson {
    pub sources: Vec<MarketSourceJson>,
    pub peers: Vec<PeerJson>,
    pub venues: Vec<VenueJson>,
    /// Per figure: every source's value (on-chain ones included), the spread and outliers.
    pub disagreements: Vec<DisagreementJson>,
}

#[derive(Debug, Default, Serialize)]
pub struct MarketSourceJson {
    pub name: &'static str,
    pub price_usd: Option<f64>,
    pub market_cap_usd: Option<f64>,
    pub fdv_usd: Option<f64>,
    pub volume_24h_usd: Option<f64>,
    pub change_24h_pct: Option<f64>,
    pub circulating_supply: Option<f64>,
    pub total_supply: Option<f64>,
    pub ath_usd: Option<f64>,
    pub ath_change_pct: Option<f64>,
    pub rank: Option<u32>,
    /// The contract the provider lists for the coin (`null`: none listed, or not known).
    pub contract_address: Option<String>,
    /// The coin the provider resolved, as it names it.
    pub identity: Option<IdentityJson>,
    pub fetched_at: Option<String>,
    /// When the provider last updated its figures (`null` where it does not say).
    pub as_of: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct IdentityJson {
    pub id: Option<String>,
    pub name: Option<String>,
    pub symbol: Option<String>,
    /// `listed`, `not_listed` (the provider lists no Ethereum contract) or `unknown`.
    pub contract_status: &'static str,
    /// The listed contract is not `token.address`: the coin is another, and its price is left
    /// out of the paper value.
    pub mismatch: bool,
}

#[derive(Debug, Serialize)]
pub struct PeerJson {
    pub id: String,
    pub symbol: Option<String>,
    pub price_usd: Option<f64>,
    pub market_cap_usd: Option<f64>,
    pub volume_24h_usd: Option<f64>,
    pub change_24h_pct: Option<f64>,
    pub source: &'static str,
}

#[derive(Debug, Serialize)]
pub struct VenueJson {
    pub exchange: String,
    pub pair: String,
    pub volume_24h_usd: Option<f64>,
    pub last_traded_at: Option<String>,
    pub is_stale: bool,
    pub source: &'static str,
}

#[derive(Debug, Serialize)]
pub struct DisagreementJson {
    pub figure: &'static str,
    pub values: std::collections::BTreeMap<String, f64>,
    pub spread: Option<f64>,
    pub outliers: Vec<String>,
}

fn market_json(state: &AppState) -> MarketJson {
    let sources = crate::state::figures::MARKET_SOURCES
        .iter()
        .map(|&name| {
            let error = match state.sources.get(&name) {
                Some(s) => crate::state::figures::source_problem(&s.status),
                None => Some("no answer".to_owned()),
            };
            match (error, state.market.get(&name)) {
                (None, Some(q)) => MarketSourceJson {
                    name: name.as_str(),
                    price_usd: q.price_usd,
                    market_cap_usd: q.market_cap_usd,
                    fdv_usd: q.fdv_usd,
                    volume_24h_usd: q.volume_24h_usd,
                    change_24h_pct: q.change_24h_pct,
                    circulating_supply: q.circulating_supply,
                    total_supply: q.total_supply,
                    ath_usd: q.ath_usd,
                    ath_change_pct: q.ath_change_pct,
                    rank: q.rank,
                    contract_address: q.contract.address().map(sanitize),
                    identity: Some(IdentityJson {
                        id: q.provider_id.as_deref().map(sanitize),
                        name: q.coin_name.as_deref().map(sanitize),
                        symbol: q.coin_symbol.as_deref().map(sanitize),
                        contract_status: q.contract.status(),
                        mismatch: q.lists_another_contract(state.token.address),
                    }),
                    fetched_at: q.fetched_at.map(rfc3339),
                    as_of: q.as_of.map(rfc3339),
                    error: None,
                },
                (error, _) => MarketSourceJson {
                    name: name.as_str(),
                    error: error.or_else(|| Some("no answer".to_owned())),
                    ..MarketSourceJson::default()
                },
            }
        })
        .collect();
    let peers = state
        .peers
        .iter()
        .flat_map(|(source, peers)| {
            peers.iter().map(move |p| PeerJson {
                id: p.id.clone(),
                symbol: p.symbol.clone(),
                price_usd: p.price_usd,
                market_cap_usd: p.market_cap_usd,
                volume_24h_usd: p.volume_24h_usd,
                change_24h_pct: p.change_24h_pct,
                source: source.as_str(),
            })
        })
        .collect();
    let venues = state
        .venues
        .iter()
        .flat_map(|(source, venues)| {
            venues.iter().map(move |v| VenueJson {
                exchange: v.exchange.clone(),
                pair: v.pair.clone(),
                volume_24h_usd: v.volume_24h_usd,
                last_traded_at: v.last_traded_at.map(rfc3339),
                is_stale: v.is_stale,
                source: source.as_str(),
            })
        })
        .collect();
    MarketJson {
        sources,
        peers,
        venues,
        disagreements: crate::flags::disagreements(state)
            .into_iter()
            .map(|d| DisagreementJson {
                figure: d.figure,
                values: d.values.into_iter().collect(),
                spread: d.spread,
                outliers: d.outliers,
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct SourceJson {
    pub name: &'static str,
    pub ok: bool,
    /// The age of its figures: since the older of `fetched_at` and `as_of`.
    pub age_secs: Option<i64>,
    /// When it last answered.
    pub fetched_at: Option<String>,
    /// When the source itself last updated what it answered (`null` where it does not say).
    pub as_of: Option<String>,
    pub error: Option<String>,
}

/// The PRODUCT.md JSON shape of a state, as observed at `now`.
pub fn to_json(state: &AppState, flags: &Flags, now: OffsetDateTime) -> SnapshotJson {
    let t = &state.token;
    let flags = flags.clone();
    SnapshotJson {
        schema_version: SCHEMA_VERSION,
        chain_id: state.chain_id,
        block: state.block.map(|b| b.number),
        block_time: state.block.map(|b| rfc3339(b.time)),
        token: TokenJson {
            address: t.address.to_checksum(None),
            name: t.name.as_deref().map(sanitize),
            symbol: t.symbol.as_deref().map(sanitize),
            decimals: t.decimals,
            total_supply_raw: t.total_supply_raw.map(|v| v.to_string()),
            last_transfer: state.latest_transfer.as_ref().map(transfer_json),
        },
        eth_usd: state.eth_usd.as_ref().map(|e| EthUsdJson {
            price: e.price(),
            source: "chainlink",
            updated_at: rfc3339(e.updated_at),
            stale: e.stale,
        }),
        gas: state.gas_price_wei.map(|price| {
            let per_venue = |with_approve: bool| {
                Venue::ALL
                    .into_iter()
                    .map(|v| (v.as_str(), leg_gas(v).units(with_approve)))
                    .collect()
            };
            GasJson {
                gas_price_wei: price.to_string(),
                sell_gas_units: per_venue(true),
                swap_gas_units: per_venue(false),
                approve_gas_units: APPROVE_GAS_UNITS,
            }
        }),
        wallets: state
            .wallets
            .iter()
            .map(|w| WalletJson {
                label: sanitize(&w.label),
                address: w.address.to_checksum(None),
                ens_name: w.ens_name.as_deref().map(sanitize),
                pop_raw: w.pop_raw.map(|v| v.to_string()),
                eth_wei: w.eth_wei.map(|v| v.to_string()),
                value_usd: state.paper_value(w).map(|(v, _)| v),
                value_source: state.paper_value(w).map(|(_, s)| s.to_owned()),
                last_transfer_at: w
                    .history
                    .as_ref()
                    .and_then(|h| h.last_transfer_at())
                    .map(rfc3339),
                quotes: w
                    .quotes
                    .iter()
                    .map(|q| QuoteJson {
                        venue: q.venue.as_str(),
                        pool: q.pool.to_checksum(None),
                        eth_out_wei: q.eth_out_wei.map(|v| v.to_string()),
                        price_impact_pct: q.price_impact_pct,
                        error: q.error.clone(),
                    })
                    .collect(),
                exit: w.exit.as_ref().map(|e| exit_json(state, e)),
                sell_check: w.sell_check.as_ref().map(|c| SellCheckJson {
                    outcome: c.outcome.as_str(),
                    ok: c.ok(),
                    detail: sanitize(&c.detail),
                }),
                last_in: w
                    .history
                    .as_ref()
                    .and_then(|h| h.last_in.as_ref())
                    .map(transfer_json),
                last_out: w
                    .history
                    .as_ref()
                    .and_then(|h| h.last_out.as_ref())
                    .map(transfer_json),
                approvals: w
                    .history
                    .iter()
                    .flat_map(|h| &h.approvals)
                    .map(|(spender, value)| ApprovalJson {
                        spender: spender.to_checksum(None),
                        allowance_raw: value.to_string(),
                    })
                    .collect(),
            })
            .collect(),
        portfolio_exit: state.portfolio_exit.as_ref().map(|e| exit_json(state, e)),
        portfolio_plan: state.portfolio_plan.as_ref().map(|p| plan_json(state, p)),
        pools: state.pools.iter().map(|p| pool_json(state, p)).collect(),
        market: market_json(state),
        warnings: flags.raised,
        not_evaluated: flags.not_evaluated,
        sources: state
            .sources
            .iter()
            .map(|(name, s)| SourceJson {
                name: name.as_str(),
                ok: s.status == SourceStatus::Ok,
                age_secs: s.observed_at().map(|at| (now - at).whole_seconds()),
                fetched_at: s.last_ok_at.map(rfc3339),
                as_of: s.as_of.map(rfc3339),
                error: crate::state::figures::source_problem(&s.status),
            })
            .collect(),
        index: state.index.as_ref().map(index_json),
        holders: state
            .holders
            .as_ref()
            .map(|h| holders::holders_json(state, h)),
    }
}

/// A plain-text report of the same figures, for people.
pub fn to_table(state: &AppState, flags: &Flags, now: OffsetDateTime) -> String {
    let json = to_json(state, flags, now);
    let unknown = || "unknown".to_owned();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "popwatch snapshot at {} (chain id {})",
        now.format(&Rfc3339).unwrap_or_default(),
        json.chain_id
    );
    let _ = writeln!(
        out,
        "block   {}  via {}",
        match (&json.block, &json.block_time) {
            (Some(n), Some(t)) => format!("{n} ({t})"),
            _ => unknown(),
        },
        state.endpoint.as_deref().unwrap_or("no endpoint answered"),
    );
    let _ = writeln!(
        out,
        "ETH/USD {}",
        json.eth_usd
            .as_ref()
            .map(|e| format!(
                "${:.2} (chainlink, updated {}{})",
                e.price,
                e.updated_at,
                if e.stale { ", STALE" } else { "" }
            ))
            .unwrap_or_else(unknown)
    );
    let _ = writeln!(
        out,
        "token   {}  name {}  symbol {}  total supply {}",
        json.token.address,
        json.token.name.clone().unwrap_or_else(unknown),
        json.token.symbol.clone().unwrap_or_else(unknown),
        state
            .token
            .total_supply_raw
            .zip(state.token.decimals)
            .map(|(raw, d)| token_amount(raw, d, 4))
            .unwrap_or_else(unknown),
    );
    let _ = writeln!(
        out,
        "index   {}",
        json.index
            .as_ref()
            .map(index_line)
            .unwrap_or_else(|| "not kept (--no-history) or not read".to_owned())
    );
    if let (Some(h), Some(decimals)) = (&state.holders, state.token.decimals) {
        for (i, line) in holders::summary_lines(h, decimals).iter().enumerate() {
            let _ = writeln!(out, "{}{line}", if i == 0 { "holders " } else { "      " });
        }
    }
    let _ = writeln!(out);
    if json.wallets.is_empty() {
        let _ = writeln!(
            out,
            "no wallet is watched (`popwatch wallet add <ADDRESS>` adds one)"
        );
    } else {
        let width = json
            .wallets
            .iter()
            .map(|w| w.label.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  {:<42}  {:>24}  {:>20}",
            "label", "address", "POP", "ETH"
        );
        for (w, state_w) in json.wallets.iter().zip(&state.wallets) {
            let decimals = crate::state::figures::decimals(state);
            let _ = writeln!(
                out,
                "{:<width$}  {:<42}  {:>24}  {:>20}",
                w.label,
                w.address,
                state_w
                    .pop_raw
                    .map(|v| token_amount(v, decimals, 4))
                    .unwrap_or_else(unknown),
                state_w
                    .eth_wei
                    .map(|v| token_amount(v, 18, 6))
                    .unwrap_or_else(unknown),
            );
        }
    }
    let _ = writeln!(out);
    if json.warnings.is_empty() {
        let _ = writeln!(out, "warnings: none raised");
    } else {
        let _ = writeln!(out, "warnings");
        for w in &json.warnings {
            let _ = writeln!(
                out,
                "  {:<8} {:<18} {}",
                format!("{:?}", w.severity).to_lowercase(),
                w.id,
                w.detail
            );
        }
    }
    for n in &json.not_evaluated {
        let _ = writeln!(out, "  not evaluated: {} (no {})", n.id, n.missing);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "sources");
    for s in &json.sources {
        let _ = writeln!(
            out,
            "  {:<12} {}",
            s.name,
            match (&s.error, s.age_secs) {
                (None, Some(age)) => format!("ok, {age}s old"),
                (None, None) => "ok".to_owned(),
                (Some(e), _) => e.clone(),
            }
        );
    }
    out
}
