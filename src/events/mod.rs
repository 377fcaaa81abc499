//! Changes between two consecutive states, as events: a pure diff. The same diff feeds the
//! alerts panel, `popwatch events` and the store; `alert` runs the alert command.

mod alert;

pub use alert::{ALERT_COMMAND_TIMEOUT, run_alert_command};

use std::collections::{BTreeMap, BTreeSet, HashSet};

use alloy::primitives::{Address, B256, U256};

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::flags::Flags;
use crate::format::rfc3339;
use crate::state::exits::Venue;
use crate::state::{AppState, SourceName, SourceStatus};

/// A reserve move that counts as a pool change.
pub const POOL_MOVE_PCT: f64 = 1.0;

/// The version of an event's shape (`popwatch events`, `alert_command`), described by
/// `schemas/event.schema.json`. A change of shape bumps it and is listed in the README's
/// changelog.
pub const SCHEMA_VERSION: u32 = 1;

/// What changed: an event's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The first scan of a wallet in a run: its earlier transfers, summarised.
    TransfersBackfilled,
    TransferIn,
    TransferOut,
    PoolChanged,
    PriceMove,
    FlagRaised,
    FlagCleared,
    SourceState,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::TransfersBackfilled,
        EventKind::TransferIn,
        EventKind::TransferOut,
        EventKind::PoolChanged,
        EventKind::PriceMove,
        EventKind::FlagRaised,
        EventKind::FlagCleared,
        EventKind::SourceState,
    ];

    /// The name in the JSON, the store and the alerts feed.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TransfersBackfilled => "transfers_backfilled",
            EventKind::TransferIn => "transfer_in",
            EventKind::TransferOut => "transfer_out",
            EventKind::PoolChanged => "pool_changed",
            EventKind::PriceMove => "price_move",
            EventKind::FlagRaised => "flag_raised",
            EventKind::FlagCleared => "flag_cleared",
            EventKind::SourceState => "source_state",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When popwatch saw the change.
    #[serde(serialize_with = "crate::format::serialize_rfc3339")]
    pub ts: OffsetDateTime,
    pub kind: EventKind,
    pub schema_version: u32,
    /// Unique per event, so two processes writing the same store never double it.
    #[serde(skip)]
    pub key: String,
    #[serde(flatten)]
    pub fields: Value,
}

impl Event {
    fn new(now: OffsetDateTime, kind: EventKind, key: String, fields: Value) -> Self {
        Self {
            ts: now,
            kind,
            schema_version: SCHEMA_VERSION,
            key,
            fields,
        }
    }

    pub fn json(&self) -> String {
        crate::format::escape_json_unsafe(&serde_json::to_string(self).unwrap_or_default())
            .into_owned()
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        let f = &self.fields;
        let s = |k: &str| f[k].as_str().unwrap_or("").to_owned();
        crate::format::sanitize(&match self.kind {
            EventKind::TransferIn => format!(
                "{} received {} raw POP from {}",
                s("wallet_label"),
                s("amount_raw"),
                s("counterparty")
            ),
            EventKind::TransferOut => format!(
                "{} sent {} raw POP to {}",
                s("wallet_label"),
                s("amount_raw"),
                s("counterparty")
            ),
            EventKind::TransfersBackfilled => {
                format!(
                    "{}: {} earlier transfers found by the first scan",
                    s("wallet_label"),
                    f["count"]
                )
            }
            EventKind::PoolChanged => format!("{} pool {} {}", s("venue"), s("pool"), s("change")),
            EventKind::PriceMove => format!(
                "{} price moved {:.1}% within an hour",
                s("source"),
                f["change_pct"].as_f64().unwrap_or(0.0)
            ),
            EventKind::FlagRaised => format!("raised: {} {}", s("id"), s("detail")),
            EventKind::FlagCleared => format!("cleared: {} {}", s("id"), s("subject")),
            EventKind::SourceState => format!("{} {}", s("source"), s("state")),
        })
    }
}

/// What the next diff needs of the state it compares against: a digest, not a copy (with
/// thousands of wallets a copy of the state is megabytes, and the app keeps one between ticks).
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Wallets whose logs had been scanned.
    scanned: HashSet<Address>,
    /// Their transfers, by wallet, transaction and log index.
    transfers: HashSet<(Address, B256, u64)>,
    /// Whether the chain had been read (before that, pools are not "created").
    chain_read: bool,
    pools: Vec<SeenPool>,
    sources: BTreeMap<SourceName, SourceStatus>,
}

#[derive(Debug, Clone)]
struct SeenPool {
    venue: Venue,
    address: Address,
    pop_reserve_raw: U256,
    weth_reserve_wei: U256,
}

impl Seen {
    pub fn of(state: &AppState) -> Self {
        let mut seen = Seen {
            chain_read: !state.pools.is_empty() || state.gas_price_wei.is_some(),
            pools: state
                .pools
                .iter()
                .map(|p| SeenPool {
                    venue: p.venue,
                    address: p.address,
                    pop_reserve_raw: p.pop_reserve_raw,
                    weth_reserve_wei: p.weth_reserve_wei,
                })
                .collect(),
            sources: state
                .sources
                .iter()
                .map(|(name, s)| (*name, s.status.clone()))
                .collect(),
            ..Seen::default()
        };
        for w in &state.wallets {
            let Some(h) = &w.history else { continue };
            seen.scanned.insert(w.address);
            seen.transfers
                .extend(h.transfers.iter().map(|t| (w.address, t.tx, t.log_index)));
        }
        seen
    }
}

/// Everything that changed from `prev` to `next`.
pub fn diff(
    prev: &AppState,
    next: &AppState,
    prev_flags: &Flags,
    next_flags: &Flags,
    now: OffsetDateTime,
) -> Vec<Event> {
    diff_since(&Seen::of(prev), next, prev_flags, next_flags, now)
}

/// Everything that changed from the state digested in `prev` to `next`.
pub fn diff_since(
    prev: &Seen,
    next: &AppState,
    prev_flags: &Flags,
    next_flags: &Flags,
    now: OffsetDateTime,
) -> Vec<Event> {
    let mut events = Vec::new();
    transfers(prev, next, now, &mut events);
    pools(prev, next, now, &mut events);
    price_move(next, now, &mut events);
    flags(prev_flags, next_flags, now, &mut events);
    sources(prev, next, now, &mut events);
    events
}

fn transfers(prev: &Seen, next: &AppState, now: OffsetDateTime, out: &mut Vec<Event>) {
    for w in &next.wallets {
        let Some(h) = &w.history else { continue };
        let news: Vec<_> = if prev.scanned.contains(&w.address) {
            h.transfers
                .iter()
                .filter(|t| !prev.transfers.contains(&(w.address, t.tx, t.log_index)))
                .collect()
        } else {
            // The first scan of this run: what happened after the last block an earlier run
            // processed is news ("while you were away"); the rest is backfill, summarised.
            let resume = next.resume_block.unwrap_or(u64::MAX);
            let old = h.transfers.iter().filter(|t| t.block <= resume).count();
            if old > 0 {
                out.push(Event::new(
                    now,
                    EventKind::TransfersBackfilled,
                    format!("backfill:{:#x}:{}", w.address, next.logs_block.unwrap_or_default()),
                    json!({"wallet": w.address.to_checksum(None), "wallet_label": w.label, "count": old}),
                ));
            }
            h.transfers.iter().filter(|t| t.block > resume).collect()
        };
        for t in news {
            let incoming = t.to == w.address;
            out.push(Event::new(
                now,
                if incoming {
                    EventKind::TransferIn
                } else {
                    EventKind::TransferOut
                },
                format!("transfer:{}:{}:{:#x}", t.tx, t.log_index, w.address),
                json!({
                    "wallet": w.address.to_checksum(None),
                    "wallet_label": w.label,
                    "amount_raw": t.amount.to_string(),
                    "counterparty": (if incoming { t.from } else { t.to }).to_checksum(None),
                    "tx": t.tx.to_string(),
                    "block": t.block,
                    "at": t.time.map(rfc3339),
                }),
            ));
        }
    }
}

fn moved_pct(a: alloy::primitives::U256, b: alloy::primitives::U256) -> f64 {
    let (a, b) = (f64::from(a), f64::from(b));
    if a == 0.0 {
        if b == 0.0 { 0.0 } else { 100.0 }
    } else {
        ((b - a) / a * 100.0).abs()
    }
}

fn pools(prev: &Seen, next: &AppState, now: OffsetDateTime, out: &mut Vec<Event>) {
    // Only once the chain has been read twice: the first read "creates" nothing.
    if !prev.chain_read {
        return;
    }
    let block = next.block.map(|b| b.number).unwrap_or_default();
    let mut push = |venue: &str, pool: String, change: String| {
        out.push(Event::new(
            now,
            EventKind::PoolChanged,
            format!("pool:{pool}:{block}"),
            json!({"venue": venue, "pool": pool, "change": change}),
        ));
    };
    for p in &next.pools {
        match prev.pools.iter().find(|q| q.address == p.address) {
            None => push(
                p.venue.as_str(),
                p.address.to_checksum(None),
                "created".into(),
            ),
            Some(q) => {
                let moved = moved_pct(q.pop_reserve_raw, p.pop_reserve_raw)
                    .max(moved_pct(q.weth_reserve_wei, p.weth_reserve_wei));
                if p.weth_reserve_wei.is_zero() && !q.weth_reserve_wei.is_zero() {
                    push(
                        p.venue.as_str(),
                        p.address.to_checksum(None),
                        "drained".into(),
                    );
                } else if moved > POOL_MOVE_PCT {
                    push(
                        p.venue.as_str(),
                        p.address.to_checksum(None),
                        format!("reserves moved {moved:.1}%"),
                    );
                }
            }
        }
    }
    for q in &prev.pools {
        if next.gas_price_wei.is_some() && !next.pools.iter().any(|p| p.address == q.address) {
            push(
                q.venue.as_str(),
                q.address.to_checksum(None),
                "drained".into(),
            );
        }
    }
}

/// A price that moved more than `alert_price_move_pct` within the last hour, per source.
fn price_move(next: &AppState, now: OffsetDateTime, out: &mut Vec<Event>) {
    let threshold = next.rules.alert_price_move_pct;
    for (source, history) in &next.price_history {
        let Some(&(latest_at, latest)) = history.back() else {
            continue;
        };
        let Some(&(_, hour_ago)) = history
            .iter()
            .find(|(at, _)| latest_at - *at <= time::Duration::hours(1))
        else {
            continue;
        };
        if hour_ago <= 0.0 {
            continue;
        }
        let change = (latest / hour_ago - 1.0) * 100.0;
        if change.abs() > threshold {
            let hour = latest_at.unix_timestamp() / 3600;
            out.push(Event::new(
                now,
                EventKind::PriceMove,
                format!("price:{}:{hour}", source.as_str()),
                json!({"source": source.as_str(), "change_pct": change, "from_usd": hour_ago, "to_usd": latest, "at": rfc3339(latest_at)}),
            ));
        }
    }
}

fn flags(prev: &Flags, next: &Flags, now: OffsetDateTime, out: &mut Vec<Event>) {
    let key = |w: &crate::flags::Warning| {
        (
            w.id,
            w.subject.as_ref().map(|s| s.id.clone()).unwrap_or_default(),
        )
    };
    let before: BTreeSet<_> = prev.raised.iter().map(key).collect();
    let after: BTreeSet<_> = next.raised.iter().map(key).collect();
    for w in &next.raised {
        if !before.contains(&key(w)) {
            out.push(Event::new(
                now,
                EventKind::FlagRaised,
                format!("flag_raised:{}:{}:{}", w.id, key(w).1, now.unix_timestamp()),
                json!({"id": w.id, "severity": w.severity, "subject": key(w).1, "detail": w.detail}),
            ));
        }
    }
    for w in &prev.raised {
        if !after.contains(&key(w)) {
            out.push(Event::new(
                now,
                EventKind::FlagCleared,
                format!(
                    "flag_cleared:{}:{}:{}",
                    w.id,
                    key(w).1,
                    now.unix_timestamp()
                ),
                json!({"id": w.id, "subject": key(w).1}),
            ));
        }
    }
}

fn sources(prev: &Seen, next: &AppState, now: OffsetDateTime, out: &mut Vec<Event>) {
    let ok = |s: &SourceStatus| matches!(s, SourceStatus::Ok);
    let failing = |s: &SourceStatus| {
        matches!(
            s,
            SourceStatus::Failed { .. } | SourceStatus::RateLimited { .. }
        )
    };
    for (name, state) in &next.sources {
        let Some(before) = prev.sources.get(name) else {
            continue;
        };
        let change = if failing(&state.status) && !failing(before) {
            Some(match &state.status {
                SourceStatus::Failed { error } => format!("failed: {error}"),
                SourceStatus::RateLimited { until } => {
                    format!("rate-limited until {}", rfc3339(*until))
                }
                _ => unreachable!("failing"),
            })
        } else if ok(&state.status) && failing(before) {
            Some("recovered".to_owned())
        } else {
            None
        };
        if let Some(change) = change {
            out.push(Event::new(
                now,
                EventKind::SourceState,
                format!("source:{}:{}", name.as_str(), now.unix_timestamp()),
                json!({"source": name.as_str(), "state": change}),
            ));
        }
    }
}
