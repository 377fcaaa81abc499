//! Changes between two consecutive states, as events: a pure diff. The same diff feeds the
//! alerts panel, `popwatch events` and the store; `alert` runs the alert command.

mod alert;

pub use alert::{ALERT_COMMAND_TIMEOUT, ALERT_QUEUE, AlertRunner};

use std::collections::{BTreeMap, BTreeSet, HashSet};

use alloy::primitives::{Address, B256, U256};

use serde::Serialize;

use time::OffsetDateTime;

use crate::flags::{Flags, RuleId, Severity};
use crate::format::rfc3339;
use crate::state::exits::Venue;
use crate::state::{AppState, SourceName, SourceStatus};

/// A reserve move that counts as a pool change.
pub const POOL_MOVE_PCT: f64 = 1.0;

/// The version of an event's shape (`popwatch events`, `alert_command`), described by
/// `schemas/event.schema.json`. A change of shape bumps it and is listed in the README's
/// changelog.
pub const SCHEMA_VERSION: u32 = 2;

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
    HolderMoved,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::TransfersBackfilled,
        EventKind::TransferIn,
        EventKind::TransferOut,
        EventKind::PoolChanged,
        EventKind::PriceMove,
        EventKind::FlagRaised,
        EventKind::FlagCleared,
        EventKind::SourceState,
        EventKind::HolderMoved,
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
            EventKind::HolderMoved => "holder_moved",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One change, as `popwatch events` prints it and the store keeps it. Its kind and schema
/// version follow from what it holds, so they are not stored beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When popwatch saw the change.
    pub ts: OffsetDateTime,
    /// Unique per event, so two processes writing the same store never double it.
    pub key: String,
    /// What changed, by kind.
    pub change: Change,
}

/// An event on the wire: `ts`, `kind`, `schema_version`, then the change's own fields.
#[derive(Serialize)]
struct Wire<'a> {
    #[serde(serialize_with = "crate::format::serialize_rfc3339")]
    ts: &'a OffsetDateTime,
    kind: EventKind,
    schema_version: u32,
    #[serde(flatten)]
    change: &'a Change,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        Wire {
            ts: &self.ts,
            kind: self.kind(),
            schema_version: SCHEMA_VERSION,
            change: &self.change,
        }
        .serialize(out)
    }
}

/// A POP amount in raw units, as a decimal string.
fn decimal<S: serde::Serializer>(value: &U256, out: S) -> Result<S::Ok, S::Error> {
    out.collect_str(value)
}

/// An address in its EIP-55 form.
fn checksummed<S: serde::Serializer>(address: &Address, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(&address.to_checksum(None))
}

fn display<S: serde::Serializer, T: std::fmt::Display>(
    value: &T,
    out: S,
) -> Result<S::Ok, S::Error> {
    out.collect_str(value)
}

fn venue_name<S: serde::Serializer>(venue: &Venue, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(venue.as_str())
}

fn source_name<S: serde::Serializer>(source: &SourceName, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(source.as_str())
}

/// What happened to a pool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PoolChange {
    Created,
    Drained,
    /// Its reserves moved by this many percent (more than [`POOL_MOVE_PCT`]).
    Moved(f64),
}

impl std::fmt::Display for PoolChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PoolChange::Created => f.write_str("created"),
            PoolChange::Drained => f.write_str("drained"),
            PoolChange::Moved(pct) => write!(f, "reserves moved {pct:.1}%"),
        }
    }
}

/// An event's own fields, by kind. Their names and order are the wire format (the JSON
/// Schema in `schemas/event.schema.json`): fields are declared in the order they are written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Change {
    TransfersBackfilled {
        count: usize,
        #[serde(serialize_with = "checksummed")]
        wallet: Address,
        wallet_label: String,
    },
    Transfer {
        #[serde(skip)]
        incoming: bool,
        #[serde(serialize_with = "decimal")]
        amount_raw: U256,
        /// The block's time.
        #[serde(serialize_with = "crate::format::serialize_rfc3339_opt")]
        at: Option<OffsetDateTime>,
        block: u64,
        #[serde(serialize_with = "checksummed")]
        counterparty: Address,
        #[serde(serialize_with = "display")]
        tx: B256,
        #[serde(serialize_with = "checksummed")]
        wallet: Address,
        wallet_label: String,
    },
    PoolChanged {
        #[serde(serialize_with = "display")]
        change: PoolChange,
        #[serde(serialize_with = "checksummed")]
        pool: Address,
        #[serde(serialize_with = "venue_name")]
        venue: Venue,
    },
    PriceMove {
        /// The latest price's time.
        #[serde(serialize_with = "crate::format::serialize_rfc3339")]
        at: OffsetDateTime,
        change_pct: f64,
        from_usd: f64,
        #[serde(serialize_with = "source_name")]
        source: SourceName,
        to_usd: f64,
    },
    FlagRaised {
        detail: String,
        id: RuleId,
        severity: Severity,
        /// The subject's id (an address, a source name), empty for the market as a whole.
        subject: String,
    },
    FlagCleared {
        id: RuleId,
        subject: String,
    },
    SourceState {
        #[serde(serialize_with = "source_name")]
        source: SourceName,
        /// "failed: <why>", "rate-limited until <time>" or "recovered".
        state: String,
    },
    /// One of the top holders' `balanceOf` moved by more than `holder_moved_pct` of the
    /// supply between two readings.
    HolderMoved {
        #[serde(serialize_with = "checksummed")]
        holder: Address,
        #[serde(serialize_with = "decimal")]
        before_raw: U256,
        /// `None`: it left the top holders; its balance is below the smallest listed.
        #[serde(serialize_with = "decimal_opt")]
        after_raw: Option<U256>,
        /// The move as a share of the supply, in percent (at least; where `after_raw` is
        /// unknown, down to the smallest listed balance).
        change_pct: f64,
        block: u64,
        /// Its roles (pool, initial mint recipient, a label).
        roles: Vec<String>,
    },
}

/// An optional POP amount in raw units, as a decimal string or null.
fn decimal_opt<S: serde::Serializer>(value: &Option<U256>, out: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => out.collect_str(v),
        None => out.serialize_none(),
    }
}

impl Change {
    pub fn kind(&self) -> EventKind {
        match self {
            Change::TransfersBackfilled { .. } => EventKind::TransfersBackfilled,
            Change::Transfer { incoming: true, .. } => EventKind::TransferIn,
            Change::Transfer {
                incoming: false, ..
            } => EventKind::TransferOut,
            Change::PoolChanged { .. } => EventKind::PoolChanged,
            Change::PriceMove { .. } => EventKind::PriceMove,
            Change::FlagRaised { .. } => EventKind::FlagRaised,
            Change::FlagCleared { .. } => EventKind::FlagCleared,
            Change::SourceState { .. } => EventKind::SourceState,
            Change::HolderMoved { .. } => EventKind::HolderMoved,
        }
    }
}

impl Event {
    fn new(now: OffsetDateTime, key: String, change: Change) -> Self {
        Self {
            ts: now,
            key,
            change,
        }
    }

    pub fn kind(&self) -> EventKind {
        self.change.kind()
    }

    pub fn json(&self) -> String {
        crate::format::escape_json_unsafe(&serde_json::to_string(self).unwrap_or_default())
            .into_owned()
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        crate::format::sanitize(&match &self.change {
            Change::Transfer {
                incoming: true,
                amount_raw,
                counterparty,
                wallet_label,
                ..
            } => format!(
                "{wallet_label} received {amount_raw} raw POP from {}",
                counterparty.to_checksum(None)
            ),
            Change::Transfer {
                incoming: false,
                amount_raw,
                counterparty,
                wallet_label,
                ..
            } => format!(
                "{wallet_label} sent {amount_raw} raw POP to {}",
                counterparty.to_checksum(None)
            ),
            Change::TransfersBackfilled {
                count,
                wallet_label,
                ..
            } => format!("{wallet_label}: {count} earlier transfers found by the first scan"),
            Change::PoolChanged {
                change,
                pool,
                venue,
            } => format!(
                "{} pool {} {change}",
                venue.as_str(),
                pool.to_checksum(None)
            ),
            Change::PriceMove {
                source, change_pct, ..
            } => format!(
                "{} price moved {change_pct:.1}% within an hour",
                source.as_str()
            ),
            Change::FlagRaised { id, detail, .. } => format!("raised: {id} {detail}"),
            Change::FlagCleared { id, subject } => format!("cleared: {id} {subject}"),
            Change::SourceState { source, state } => format!("{} {state}", source.as_str()),
            Change::HolderMoved {
                holder,
                before_raw,
                after_raw,
                change_pct,
                roles,
                ..
            } => format!(
                "top holder {}{} moved {change_pct:.2}% of the supply: {before_raw} → {} raw POP",
                holder.to_checksum(None),
                if roles.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", roles.join(", "))
                },
                after_raw.map_or_else(|| "out of the top holders".to_owned(), |a| a.to_string())
            ),
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
    /// The top holders' `balanceOf` where read, and the block of that reading.
    holders: Option<(u64, Vec<(Address, U256)>)>,
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
            chain_read: !state.pools.is_empty() || state.exits_computed,
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
            holders: state.holders.as_ref().map(|h| {
                (
                    h.block,
                    h.top
                        .iter()
                        .filter_map(|x| Some((x.address, x.chain?)))
                        .collect(),
                )
            }),
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
    holders(prev, next, now, &mut events);
    events
}

/// A top holder whose `balanceOf` (the chain's, never the replay's, which grows while the
/// index is still reading older history) moved by more than `holder_moved_pct` of the supply
/// between two readings of different blocks. One that left the top holders moved at least
/// down to the smallest balance listed.
fn holders(prev: &Seen, next: &AppState, now: OffsetDateTime, out: &mut Vec<Event>) {
    let (Some((before_block, before)), Some(h)) = (&prev.holders, &next.holders) else {
        return;
    };
    if h.block <= *before_block || h.total_supply.is_zero() {
        return;
    }
    let threshold = next.rules.thresholds.holder_moved_pct;
    let smallest = h.top.iter().filter_map(|x| x.chain).min();
    for (address, was) in before {
        let now_holder = h.top.iter().find(|x| x.address == *address);
        let (after, moved) = match now_holder.map(|x| x.chain) {
            Some(Some(after)) => (Some(after), was.abs_diff(after)),
            // Listed, but its balance not read this time: nothing known.
            Some(None) => continue,
            None => match smallest {
                Some(smallest) if smallest < *was => (None, *was - smallest),
                _ => continue,
            },
        };
        let change_pct = crate::state::holders::ratio(moved, h.total_supply) * 100.0;
        if change_pct <= threshold {
            continue;
        }
        out.push(Event::new(
            now,
            format!("holder:{address:#x}:{}", h.block),
            Change::HolderMoved {
                holder: *address,
                before_raw: *was,
                after_raw: after,
                change_pct,
                block: h.block,
                roles: now_holder
                    .map(|x| x.roles.iter().map(|r| r.describe()).collect())
                    .unwrap_or_default(),
            },
        ));
    }
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
                    format!(
                        "backfill:{:#x}:{}",
                        w.address,
                        next.logs_block.unwrap_or_default()
                    ),
                    Change::TransfersBackfilled {
                        count: old,
                        wallet: w.address,
                        wallet_label: w.label.clone(),
                    },
                ));
            }
            h.transfers.iter().filter(|t| t.block > resume).collect()
        };
        for t in news {
            let incoming = t.to == w.address;
            out.push(Event::new(
                now,
                format!("transfer:{}:{}:{:#x}", t.tx, t.log_index, w.address),
                Change::Transfer {
                    incoming,
                    amount_raw: t.amount,
                    at: t.time,
                    block: t.block,
                    counterparty: if incoming { t.from } else { t.to },
                    tx: t.tx,
                    wallet: w.address,
                    wallet_label: w.label.clone(),
                },
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
    let mut push = |venue: Venue, pool: Address, change: PoolChange| {
        out.push(Event::new(
            now,
            format!("pool:{}:{block}", pool.to_checksum(None)),
            Change::PoolChanged {
                change,
                pool,
                venue,
            },
        ));
    };
    for p in &next.pools {
        match prev.pools.iter().find(|q| q.address == p.address) {
            None => push(p.venue, p.address, PoolChange::Created),
            Some(q) => {
                let moved = moved_pct(q.pop_reserve_raw, p.pop_reserve_raw)
                    .max(moved_pct(q.weth_reserve_wei, p.weth_reserve_wei));
                if p.weth_reserve_wei.is_zero() && !q.weth_reserve_wei.is_zero() {
                    push(p.venue, p.address, PoolChange::Drained);
                } else if moved > POOL_MOVE_PCT {
                    push(p.venue, p.address, PoolChange::Moved(moved));
                }
            }
        }
    }
    for q in &prev.pools {
        // A pool whose read failed is unknown this refresh, not drained.
        if next.exits_computed
            && !next.pools.iter().any(|p| p.address == q.address)
            && !next.unread_pools.contains(&q.address)
        {
            push(q.venue, q.address, PoolChange::Drained);
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
                format!("price:{}:{hour}", source.as_str()),
                Change::PriceMove {
                    at: latest_at,
                    change_pct: change,
                    from_usd: hour_ago,
                    source: *source,
                    to_usd: latest,
                },
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
                format!("flag_raised:{}:{}:{}", w.id, key(w).1, now.unix_timestamp()),
                Change::FlagRaised {
                    detail: w.detail.clone(),
                    id: w.id,
                    severity: w.severity,
                    subject: key(w).1,
                },
            ));
        }
    }
    for w in &prev.raised {
        if !after.contains(&key(w)) {
            out.push(Event::new(
                now,
                format!(
                    "flag_cleared:{}:{}:{}",
                    w.id,
                    key(w).1,
                    now.unix_timestamp()
                ),
                Change::FlagCleared {
                    id: w.id,
                    subject: key(w).1,
                },
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
                format!("source:{}:{}", name.as_str(), now.unix_timestamp()),
                Change::SourceState {
                    source: *name,
                    state: change,
                },
            ));
        }
    }
}
