//! Extending the index: the blocks not read yet for each stream, newest first (so today's logs
//! land at once and older history follows), plus the confirmation window read again (so a reorg
//! counts nothing twice). Polite and fast: ranges double while answers are sparse and the node
//! accepts them (up to `[chain] logs_max_range_blocks`), halve on refusal; `logs_in_flight`
//! ranges in flight, paced by each endpoint's log budget (the RPC client's). A range a node
//! refuses as pruned is asked of the other endpoints, then marked unavailable; a range below
//! the history expiry block that a node may have answered short is asked again of the others
//! when the replay does not add up ([`Indexer::recheck_below_expiry`]).

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use alloy::primitives::{Address, B256, keccak256};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde_json::{Value, json};

use super::log::IndexedLog;
use super::store::{IndexStore, Range, merged};
use crate::sources::chain::ChainError;
use crate::sources::chain::logs::{CONFIRMATIONS, is_range_error};
use crate::sources::chain::rpc::{CallError, RpcCall, RpcClient};

/// The events indexed: the token's, then each venue's trade events.
pub const TOKEN_EVENTS: [&str; 2] = [
    "Transfer(address,address,uint256)",
    "Approval(address,address,uint256)",
];
pub const POOL_EVENTS: [&str; 11] = [
    // Uniswap V1 (Vyper; every argument indexed)
    "TokenPurchase(address,uint256,uint256)",
    "EthPurchase(address,uint256,uint256)",
    "AddLiquidity(address,uint256,uint256)",
    "RemoveLiquidity(address,uint256,uint256)",
    // Uniswap V2 and SushiSwap pairs
    "Swap(address,uint256,uint256,uint256,uint256,address)",
    "Sync(uint112,uint112)",
    "Mint(address,uint256,uint256)",
    "Burn(address,uint256,uint256,address)",
    // Uniswap V3 pools
    "Swap(address,address,int256,int256,uint160,uint128,int24)",
    "Mint(address,address,int24,int24,uint128,uint256,uint256)",
    "Burn(address,int24,int24,uint128,uint256,uint256)",
];

/// Where the range limit a node stated is kept between runs.
const CEILING: &str = "index.range_ceiling";

/// Ranges read below the history expiry block remembered for a recheck, at most (POP's
/// pre-Merge history is some 100 ranges at 100,000 blocks, 10,000 at a node capping at 1,000).
const MAX_BELOW_EXPIRY: usize = 20_000;

/// An answer with fewer logs than this is sparse: the next range may be twice as long.
const SPARSE: usize = 1_000;

#[derive(Debug, Clone)]
pub struct IndexSettings {
    pub token: Address,
    /// The first range tried, in blocks.
    pub initial_range: u64,
    pub max_range: u64,
    /// Ranges in flight at once (each endpoint's budget paces them).
    pub in_flight: usize,
    /// Below this block a node may have expired its history and answer short.
    pub history_expiry: u64,
}

impl IndexSettings {
    pub fn from_config(config: &crate::config::Config) -> Self {
        let chain = &config.chain;
        Self {
            token: config.token.address,
            initial_range: chain.logs_chunk_blocks.max(1),
            max_range: chain.logs_max_range_blocks.max(1),
            in_flight: usize::try_from(chain.logs_in_flight).unwrap_or(1).max(1),
            history_expiry: chain.history_expiry_block,
        }
    }
}

pub use crate::state::transfers::IndexProgress as Progress;

/// What one extension did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extended {
    pub requests: u64,
    pub logs: u64,
    /// Everything up to the head is read (or marked unavailable); false when the request
    /// budget ran out first.
    pub finished: bool,
}

/// Extends the index; keeps the range size it has learnt between extensions.
pub struct Indexer {
    settings: IndexSettings,
    range: u64,
    /// The largest range the node says it takes, once it has said so: ranges never grow past
    /// it again (each refusal would cost a request).
    ceiling: Option<u64>,
    /// Ranges refused as pruned are asked again once per indexer (per process: an endpoint
    /// added since may serve them), then skipped.
    retried_unavailable: bool,
    /// The ranges below the history expiry block read in this process: by whom, and how many
    /// logs it answered.
    below_expiry: Vec<ReadBelowExpiry>,
    topics: Vec<B256>,
}

/// A range read below the history expiry block.
#[derive(Debug, Clone)]
struct ReadBelowExpiry {
    streams: Vec<Address>,
    range: Range,
    endpoint: usize,
    logs: usize,
}

/// What a recheck of the ranges below the history expiry block did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rechecked {
    pub requests: u64,
    /// Ranges another endpoint answered with more logs (its answer kept).
    pub recovered: u64,
    /// Ranges answered empty that no other endpoint could answer: marked unavailable.
    pub unavailable: u64,
}

/// What an extension reads: the logs of `streams` (the token first, then its pools) from
/// `start` to `head`.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub streams: &'a [Address],
    pub start: u64,
    pub head: u64,
}

/// One range being read: for which streams, and the endpoints that refused it as pruned.
struct Pending {
    streams: Vec<Address>,
    range: Range,
    excluded: HashSet<usize>,
}

/// The gaps of each group of streams that miss the same blocks, newest gap last.
type Work = Vec<(Vec<Address>, Vec<Range>)>;

impl Indexer {
    pub fn new(settings: IndexSettings) -> Self {
        let topics = TOKEN_EVENTS
            .iter()
            .chain(POOL_EVENTS.iter())
            .map(|s| keccak256(s.as_bytes()))
            .collect();
        Self {
            range: settings.initial_range.min(settings.max_range),
            ceiling: None,
            retried_unavailable: false,
            below_expiry: Vec::new(),
            settings,
            topics,
        }
    }

    /// The blocks each stream lacks in `[start, head]`, with the confirmation window, grouped
    /// so streams lacking the same blocks are read by one request.
    fn work(
        store: &IndexStore,
        streams: &[Address],
        (start, head): Range,
        skip_unavailable: bool,
        confirm: bool,
    ) -> Result<Work, ChainError> {
        let window = (head.saturating_sub(CONFIRMATIONS).max(start), head);
        let mut groups: BTreeMap<Vec<Range>, Vec<Address>> = BTreeMap::new();
        for &stream in streams {
            let covered = store.coverage(stream).map_err(store_error)?;
            let unavailable: Vec<Range> = store
                .unavailable(stream)
                .map_err(store_error)?
                .into_iter()
                .map(|(r, _)| r)
                .collect();
            // Skipped: the unavailable ranges count as read. Asked again: they are gaps, even
            // where a node answered them (empty, below the history expiry).
            let read: Vec<Range> = if skip_unavailable {
                covered.into_iter().chain(unavailable).collect()
            } else {
                without(&covered, &unavailable)
            };
            let mut gaps = Vec::new();
            let mut next = start;
            for (from, to) in merged(read) {
                if from > next {
                    gaps.push((next, (from - 1).min(head)));
                }
                next = next.max(to.saturating_add(1));
            }
            if next <= head {
                gaps.push((next, head));
            }
            if confirm && start <= head {
                gaps.push(window);
            }
            let gaps: Vec<Range> = merged(gaps)
                .into_iter()
                .filter(|(from, to)| from <= to && *from >= start)
                .collect();
            groups.entry(gaps).or_default().push(stream);
        }
        Ok(groups
            .into_iter()
            .filter(|(gaps, _)| !gaps.is_empty())
            .map(|(gaps, streams)| (streams, gaps))
            .collect())
    }

    /// The `eth_getLogs` call of `range` for `streams`.
    fn call(&self, streams: &[Address], range: Range) -> RpcCall {
        RpcCall::new(
            "eth_getLogs",
            json!([{
                "address": streams,
                "fromBlock": format!("0x{:x}", range.0),
                "toBlock": format!("0x{:x}", range.1),
                "topics": [self.topics],
            }]),
        )
    }

    /// Extends the index of the target's streams (the token first, then its pools) from its
    /// start up to its head, spending at most `budget` requests (`None`: until done); `progress` is told as
    /// each range lands. What was read is committed range by range, so an interrupted
    /// extension resumes where it stopped.
    pub async fn extend(
        &mut self,
        rpc: &RpcClient,
        store: &mut IndexStore,
        target: Target<'_>,
        budget: Option<u64>,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<Extended, ChainError> {
        self.read(rpc, store, target, budget, progress, true).await
    }

    /// [`Indexer::extend`] without reading the confirmation window again: for the older
    /// history read after an extension to the same head, which read it.
    pub async fn extend_older(
        &mut self,
        rpc: &RpcClient,
        store: &mut IndexStore,
        target: Target<'_>,
        budget: Option<u64>,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<Extended, ChainError> {
        self.read(rpc, store, target, budget, progress, false).await
    }

    async fn read(
        &mut self,
        rpc: &RpcClient,
        store: &mut IndexStore,
        target: Target<'_>,
        budget: Option<u64>,
        progress: &mut (dyn FnMut(Progress) + Send),
        confirm: bool,
    ) -> Result<Extended, ChainError> {
        let Target {
            streams,
            start,
            head,
        } = target;
        let mut work = Self::work(
            store,
            streams,
            (start, head),
            self.retried_unavailable,
            confirm,
        )?;
        self.retried_unavailable = true;
        // The range limit a node stated before, in an earlier process too.
        if self.ceiling.is_none()
            && let Ok(Some(kept)) = store.meta(CEILING)
        {
            self.ceiling = kept.parse().ok();
        }
        if let Some(ceiling) = self.ceiling {
            self.range = self.range.min(ceiling).max(1);
        }
        let blocks_total: u64 = work
            .iter()
            .flat_map(|(_, gaps)| gaps.iter().map(|(a, b)| b - a + 1))
            .sum();
        let began = Instant::now();
        let mut done = Extended::default();
        let mut blocks_done = 0u64;
        let mut retries: Vec<Pending> = Vec::new();
        let mut in_flight = FuturesUnordered::new();
        let mut refused = false;
        loop {
            // Fill the budget of requests in flight, newest blocks first; one alone while the
            // range is still finding its size (until the node refuses one, or it reaches the
            // maximum), so a range it refuses is refused once, not by each of several requests
            // sent at once, and the ranges sent together are full-sized.
            let settled = refused
                || self.range
                    >= self
                        .settings
                        .max_range
                        .min(self.ceiling.unwrap_or(u64::MAX));
            let width = if settled { self.settings.in_flight } else { 1 };
            while in_flight.len() < width && budget.is_none_or(|b| done.requests < b) {
                let Some(pending) = retries.pop().or_else(|| self.next_range(&mut work)) else {
                    break;
                };
                done.requests += 1;
                let call = self.call(&pending.streams, pending.range);
                in_flight.push(async move {
                    let answer = rpc
                        .call_many_at_excluding(&[call], head, &pending.excluded)
                        .await;
                    (pending, answer)
                });
            }
            let Some((pending, answer)) = in_flight.next().await else {
                break;
            };
            let (answers, endpoint) = match answer {
                Ok(answered) => answered,
                // Every endpoint has refused this range as pruned: it is unavailable (another
                // failure, a timeout of the last endpoint asked, is the extension's).
                Err(e) if !pending.excluded.is_empty() && e.all_excluded() => {
                    let why = format!(
                        "pruned history: refused by {} endpoint(s)",
                        pending.excluded.len()
                    );
                    store
                        .mark_unavailable(&pending.streams, pending.range, &why)
                        .map_err(store_error)?;
                    blocks_done += pending.range.1 - pending.range.0 + 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            match answers.into_iter().next() {
                Some(Ok(Value::Array(logs))) => {
                    let logs = self.accepted(&pending, &logs)?;
                    store
                        .commit(&pending.streams, pending.range, &logs)
                        .map_err(store_error)?;
                    // Kept for a recheck, up to a bound: on a chain numbered below the expiry
                    // block every refresh's new blocks would add one for good.
                    if pending.range.0 < self.settings.history_expiry
                        && self.below_expiry.len() < MAX_BELOW_EXPIRY
                    {
                        self.below_expiry.push(ReadBelowExpiry {
                            streams: pending.streams.clone(),
                            range: pending.range,
                            endpoint,
                            logs: logs.len(),
                        });
                    }
                    if logs.len() < SPARSE {
                        self.range = self
                            .range
                            .saturating_mul(2)
                            .min(self.settings.max_range)
                            .min(self.ceiling.unwrap_or(u64::MAX));
                    }
                    done.logs += logs.len() as u64;
                    blocks_done += pending.range.1 - pending.range.0 + 1;
                    let elapsed = began.elapsed();
                    progress(Progress {
                        blocks_done,
                        blocks_total,
                        logs: done.logs,
                        requests: done.requests,
                        eta: (blocks_done > 0).then(|| {
                            elapsed.mul_f64(
                                blocks_total.saturating_sub(blocks_done) as f64
                                    / blocks_done as f64,
                            )
                        }),
                    });
                }
                Some(Err(e)) if is_pruned(&e) => {
                    let mut excluded = pending.excluded;
                    excluded.insert(endpoint);
                    retries.push(Pending {
                        excluded,
                        ..pending
                    });
                }
                Some(Err(e)) if is_range_error(&e) && pending.range.1 > pending.range.0 => {
                    // The range the node says it takes, else half; the refused blocks go back
                    // to be read in ranges of that size.
                    refused = true;
                    let (from, to) = pending.range;
                    let size = to - from + 1;
                    match stated_block_limit(&e.message).filter(|max| *max < size) {
                        Some(max) => {
                            let ceiling = self.ceiling.map_or(max, |c| c.min(max));
                            self.ceiling = Some(ceiling);
                            self.range = max;
                            let _ = store.set_meta(CEILING, &ceiling.to_string());
                        }
                        None => self.range = (size / 2).max(1),
                    }
                    tracing::debug!(from, to, range = self.range, error = %e, "index: range refused");
                    if let Some((_, gaps)) = work
                        .iter_mut()
                        .find(|(streams, _)| *streams == pending.streams)
                    {
                        gaps.push(pending.range);
                        *gaps = merged(std::mem::take(gaps));
                    }
                }
                Some(Err(e)) => return Err(ChainError::Call(format!("eth_getLogs: {e}"))),
                Some(Ok(other)) => {
                    return Err(ChainError::Call(format!(
                        "eth_getLogs answered {}, not a list of logs",
                        crate::format::sanitize(
                            &other.to_string().chars().take(80).collect::<String>()
                        )
                    )));
                }
                None => return Err(ChainError::Call("eth_getLogs: no answer".into())),
            }
        }
        done.finished = retries.is_empty() && work.iter().all(|(_, gaps)| gaps.is_empty());
        Ok(done)
    }

    /// Whether ranges below the history expiry block were read in this process (and not
    /// rechecked yet).
    pub fn read_below_expiry(&self) -> bool {
        !self.below_expiry.is_empty()
    }

    /// For a replay that does not add up: the ranges read below the history expiry block
    /// (where a node may have expired its history and answer empty, or short, without a word)
    /// are asked again of the other endpoints. An answer with more logs replaces the first
    /// (a node does not invent logs: each is checked to be of the range and streams asked); a
    /// range answered empty that no other endpoint answers is marked unavailable, with why.
    /// Once per read: the ranges are forgotten after.
    pub async fn recheck_below_expiry(
        &mut self,
        rpc: &RpcClient,
        store: &mut IndexStore,
        head: u64,
    ) -> Result<Rechecked, ChainError> {
        let mut done = Rechecked::default();
        let mut queue = std::mem::take(&mut self.below_expiry);
        while let Some(read) = queue.pop() {
            let pending = Pending {
                streams: read.streams.clone(),
                range: read.range,
                excluded: HashSet::from([read.endpoint]),
            };
            done.requests += 1;
            let call = self.call(&pending.streams, pending.range);
            let answer = rpc
                .call_many_at_excluding(&[call], head, &pending.excluded)
                .await;
            let unanswered = |store: &mut IndexStore, why: String| {
                store
                    .mark_unavailable(&read.streams, read.range, &why)
                    .map_err(store_error)
            };
            let first = rpc.endpoint_name(read.endpoint);
            let expiry = self.settings.history_expiry;
            let answers = match answer {
                Ok((answers, _)) => answers,
                Err(e) if e.all_excluded() => {
                    if read.logs == 0 {
                        unanswered(
                            store,
                            format!(
                                "answered empty by {first} below block {expiry}, where nodes may have expired their history; no other endpoint to ask"
                            ),
                        )?;
                        done.unavailable += 1;
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            match answers.into_iter().next() {
                Some(Ok(Value::Array(logs))) => {
                    let logs = self.accepted(&pending, &logs)?;
                    if logs.len() > read.logs {
                        store
                            .commit(&read.streams, read.range, &logs)
                            .map_err(store_error)?;
                        done.recovered += 1;
                    }
                }
                Some(Err(e)) if is_pruned(&e) => {
                    if read.logs == 0 {
                        unanswered(
                            store,
                            format!(
                                "answered empty by {first} below block {expiry}; the other endpoint(s) refuse it as pruned"
                            ),
                        )?;
                        done.unavailable += 1;
                    }
                }
                Some(Err(e)) if is_range_error(&e) && read.range.1 > read.range.0 => {
                    // The other node takes smaller ranges: both halves asked of it.
                    let (from, to) = read.range;
                    let middle = from + (to - from) / 2;
                    for range in [(from, middle), (middle + 1, to)] {
                        queue.push(ReadBelowExpiry {
                            range,
                            // Unknown per half: a half with no log of the first answer is
                            // counted as answered empty.
                            logs: store
                                .logs_of_streams(&read.streams, range)
                                .map_err(store_error)?,
                            ..read.clone()
                        });
                    }
                }
                Some(Err(e)) => return Err(ChainError::Call(format!("eth_getLogs: {e}"))),
                _ => return Err(ChainError::Call("eth_getLogs: no list of logs".into())),
            }
        }
        Ok(done)
    }

    /// The next range to read: the newest unread blocks of the first group that has some.
    fn next_range(&self, work: &mut Work) -> Option<Pending> {
        let (streams, gaps) = work.iter_mut().find(|(_, gaps)| !gaps.is_empty())?;
        let (from, to) = gaps.pop()?;
        let start = to.saturating_sub(self.range - 1).max(from);
        if start > from {
            gaps.push((from, start - 1));
        }
        Some(Pending {
            streams: streams.clone(),
            range: (start, to),
            excluded: HashSet::new(),
        })
    }

    /// The logs of an answer that belong to the request; an answer holding a log outside the
    /// range asked, or of a contract not asked about, is a broken node's, and fails.
    fn accepted(&self, pending: &Pending, logs: &[Value]) -> Result<Vec<IndexedLog>, ChainError> {
        let mut out = Vec::with_capacity(logs.len());
        for value in logs {
            let Some(log) = IndexedLog::from_json(value).map_err(ChainError::Call)? else {
                continue;
            };
            let (from, to) = pending.range;
            if log.block < from || log.block > to || !pending.streams.contains(&log.emitter) {
                return Err(ChainError::Call(format!(
                    "eth_getLogs answered a log of block {} from {} for blocks {from}–{to}: not what was asked",
                    log.block, log.emitter
                )));
            }
            // A pool's own Transfer and Approval (its LP token) are not the token's.
            let token_event = log.topics[0] == self.topics[0] || log.topics[0] == self.topics[1];
            if token_event && log.emitter != self.settings.token {
                continue;
            }
            if self.topics.contains(&log.topics[0]) {
                out.push(log);
            }
        }
        Ok(out)
    }
}

/// `ranges` without the blocks of `holes` (both merged, oldest first).
fn without(ranges: &[Range], holes: &[Range]) -> Vec<Range> {
    let mut out = Vec::new();
    for &(from, to) in ranges {
        // The first block not handled yet; `None` past the last block there is.
        let mut next = Some(from);
        for &(a, b) in holes {
            let Some(n) = next else { break };
            if b < n || a > to {
                continue;
            }
            if a > n {
                out.push((n, a - 1));
            }
            next = b.checked_add(1);
        }
        if let Some(n) = next.filter(|n| *n <= to) {
            out.push((n, to));
        }
    }
    out
}

/// The largest block range a node's refusal says it takes ("max 10000 blocks", "up to a 2K
/// block range"), if it says one; a refusal about the number of results says nothing of blocks.
pub fn stated_block_limit(message: &str) -> Option<u64> {
    let lower = message.to_lowercase();
    if !lower.contains("block") || lower.contains("result") {
        return None;
    }
    let mut numbers = Vec::new();
    let mut digits = String::new();
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            // "10,000": the comma is part of the number.
            if chars.peek() == Some(&',') {
                chars.next();
            }
            continue;
        }
        if !digits.is_empty() {
            let scale = if c == 'k' { 1_000 } else { 1 };
            if let Ok(n) = digits.parse::<u64>() {
                numbers.push(n.saturating_mul(scale));
            }
            digits.clear();
        }
    }
    if let Ok(n) = digits.parse::<u64>() {
        numbers.push(n);
    }
    numbers.into_iter().find(|n| *n > 0)
}

/// Whether a node says it no longer serves that history (EIP-4444 expiry; code 4444, or its
/// words).
pub fn is_pruned(e: &CallError) -> bool {
    let m = e.message.to_lowercase();
    e.code == 4444
        || m.contains("pruned")
        || m.contains("history expired")
        || m.contains("not available in this node")
}

fn store_error(e: rusqlite::Error) -> ChainError {
    ChainError::Call(format!("the log index could not be written: {e}"))
}

#[cfg(test)]
mod tests {
    use super::{stated_block_limit, without};

    #[test]
    fn ranges_without_holes_keep_every_other_block() {
        assert_eq!(
            without(&[(1, 100)], &[(10, 19), (50, 200)]),
            vec![(1, 9), (20, 49)]
        );
        assert_eq!(
            without(&[(1, 10), (20, 30)], &[(5, 25)]),
            vec![(1, 4), (26, 30)]
        );
        assert_eq!(without(&[(1, 10)], &[]), vec![(1, 10)]);
        assert_eq!(without(&[(5, 10)], &[(1, 10)]), vec![]);
        assert_eq!(without(&[(0, u64::MAX)], &[(0, u64::MAX)]), vec![]);
    }

    #[test]
    fn a_refusal_s_stated_block_limit_is_read_and_a_result_limit_is_not() {
        assert_eq!(
            stated_block_limit("block range is too large: max 1000 blocks"),
            Some(1000)
        );
        assert_eq!(
            stated_block_limit("You can make eth_getLogs requests with up to a 2K block range"),
            Some(2000)
        );
        assert_eq!(
            stated_block_limit("exceeded max block range of 10,000"),
            Some(10_000)
        );
        assert_eq!(
            stated_block_limit("query returned more than 10000 results"),
            None
        );
        assert_eq!(stated_block_limit("block range too large"), None);
    }
}
