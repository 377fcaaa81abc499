//! Transfer and Approval history from `eth_getLogs`, incremental and reorg-safe: ranges start
//! at `logs_chunk_blocks`, halve on range or too-many-results errors and grow back on success;
//! the first scan goes back `scan_days`, later ones scan only new blocks plus a confirmation
//! window, whose logs are read again so a reorg's dropped logs disappear. Logs are keyed by
//! (block, log index), so nothing is counted twice.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use alloy::primitives::{Address, B256, Bytes, U256, b256};
use alloy::sol_types::SolCall;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::multicall::{At, Read, aggregate3_call, decode_aggregate3};
use super::reader::ChainError;
use super::rpc::{CallError, RpcCall, RpcClient, parse_quantity};
use crate::abi::IERC20;
use crate::state::transfers::{LogReading, TransferSeen, WalletHistory};

/// keccak256("Transfer(address,address,uint256)")
pub const TRANSFER_TOPIC: B256 =
    b256!("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
/// keccak256("Approval(address,address,uint256)")
pub const APPROVAL_TOPIC: B256 =
    b256!("8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925");
/// Blocks read again every refresh: a reorg up to this deep is undone.
pub const CONFIRMATIONS: u64 = 12;
/// Successful ranges in a row before the range doubles again.
const GROW_AFTER: u32 = 4;
/// Ethereum's ~12-second blocks, for turning `scan_days` into blocks.
const BLOCKS_PER_DAY: u64 = 7_200;

/// The token's every log from `from` to the head the scan reads to, kept elsewhere (the log
/// index), in the JSON shape of `eth_getLogs`.
#[derive(Debug, Clone, Default)]
pub struct ArchivedLogs {
    pub from: u64,
    pub logs: Vec<Value>,
}

/// Whether a node's error says the range or the result set is too large (so: halve).
pub fn is_range_error(e: &CallError) -> bool {
    let m = e.message.to_lowercase();
    matches!(e.code, -32005 | -32602 | -32000 | -32001)
        && ["range", "result", "too many", "limit", "exceed", "block"]
            .iter()
            .any(|w| m.contains(w))
}

fn address_topic(a: Address) -> B256 {
    B256::left_padding_from(a.as_slice())
}

fn topic_address(t: &Value) -> Option<Address> {
    let b: B256 = serde_json::from_value(t.clone()).ok()?;
    Some(Address::from_slice(&b[12..]))
}

pub struct LogScanner {
    token: Address,
    multicall: Address,
    wallets: Vec<Address>,
    initial_chunk: u64,
    chunk: u64,
    scan_blocks: u64,
    processed: Option<u64>,
    /// Transfers touching a watched wallet, by (block, log index).
    transfers: BTreeMap<(u64, u64), TransferSeen>,
    /// (owner, spender) pairs seen in Approval logs.
    approvals: BTreeSet<(Address, Address)>,
    latest: Option<TransferSeen>,
    /// Senders of zero-value transfers' transactions, fetched once.
    senders: HashMap<B256, Address>,
    times: HashMap<u64, OffsetDateTime>,
    /// The chain's first block number, read once.
    earliest: Option<u64>,
    /// The first block of the first scan: everything from it on has been read.
    covered_from: Option<u64>,
    /// The allowances last read, the block they were read at, and scans since.
    allowances: Option<(Allowances, u64, u32)>,
}

/// (owner, spender, allowance) of every pair seen in Approval logs.
type Allowances = Vec<(Address, Address, U256)>;

/// Allowances change only through an Approval or a transfer from the owner (a `transferFrom`
/// spends the allowance, often without an Approval log); without either they are read again
/// only after this many scans, as a backstop.
const ALLOWANCES_REREAD_SCANS: u32 = 20;

impl LogScanner {
    pub fn new(
        token: Address,
        multicall: Address,
        wallets: Vec<Address>,
        chunk_blocks: u64,
        scan_days: u64,
    ) -> Self {
        Self {
            token,
            multicall,
            wallets,
            initial_chunk: chunk_blocks.max(1),
            chunk: chunk_blocks.max(1),
            scan_blocks: scan_days.saturating_mul(BLOCKS_PER_DAY),
            processed: None,
            transfers: BTreeMap::new(),
            approvals: BTreeSet::new(),
            latest: None,
            senders: HashMap::new(),
            times: HashMap::new(),
            earliest: None,
            covered_from: None,
            allowances: None,
        }
    }

    /// The last block processed.
    pub fn processed(&self) -> Option<u64> {
        self.processed
    }

    fn log_calls(&self, from: u64, to: u64) -> Vec<RpcCall> {
        let wallets: Vec<B256> = self.wallets.iter().map(|a| address_topic(*a)).collect();
        let range = |topics: Value| {
            RpcCall::new(
                "eth_getLogs",
                json!([{"address": self.token, "fromBlock": format!("0x{from:x}"), "toBlock": format!("0x{to:x}"), "topics": topics}]),
            )
        };
        let mut calls = vec![range(json!([TRANSFER_TOPIC]))];
        if !wallets.is_empty() {
            calls.push(range(json!([APPROVAL_TOPIC, wallets])));
        }
        calls
    }

    /// Scans up to `head` (already read by the chain refresh, pinned there).
    pub async fn scan(&mut self, rpc: &RpcClient, head: u64) -> Result<LogReading, ChainError> {
        self.scan_from(rpc, head, None).await
    }

    /// How far back the first scan goes, in blocks.
    pub fn window_blocks(&self) -> u64 {
        self.scan_blocks
    }

    /// [`LogScanner::scan`], the logs taken from `archived` (the log index's) where it holds
    /// them all, so the node is asked only for what it does not.
    pub async fn scan_from(
        &mut self,
        rpc: &RpcClient,
        head: u64,
        archived: Option<ArchivedLogs>,
    ) -> Result<LogReading, ChainError> {
        let earliest = self.earliest_block(rpc).await?;
        let start = match self.processed {
            None => head.saturating_sub(self.scan_blocks).max(earliest),
            Some(done) => done.saturating_sub(CONFIRMATIONS).max(earliest),
        };
        self.covered_from.get_or_insert(start);
        // Everything from `start` on is read again: what a reorg dropped disappears.
        self.transfers.retain(|(block, _), _| *block < start);
        if self.latest.as_ref().is_some_and(|t| t.block >= start) {
            self.latest = None;
        }
        let mut from = start;
        let mut calls_made = 0u64;
        let mut approvals_in_window = BTreeSet::new();
        // The block of the newest Approval log in the window (unknown blocks count as new).
        let mut latest_approval = 0u64;
        let mut fresh_latest: Option<TransferSeen> = None;
        let mut successes = 0u32;
        while from <= head {
            let held = archived.as_ref().filter(|a| a.from <= from).map(|a| {
                a.logs
                    .iter()
                    .filter(|log| parse_quantity(&log["blockNumber"]).is_some_and(|b| b >= from))
                    .cloned()
                    .collect::<Vec<Value>>()
            });
            let (to, answers) = match held {
                // Every log of the token in [from, head], from the index: one pass, no call.
                Some(logs) => (head, self.split_archived(logs)),
                None => {
                    let to = (from + self.chunk - 1).min(head);
                    let calls = self.log_calls(from, to);
                    calls_made += calls.len() as u64;
                    // Only a node that has reached `head` answers: a lagging one would answer
                    // the range past its own head with nothing, and those transfers would
                    // never be read.
                    (to, rpc.call_many_at(&calls, head).await?)
                }
            };
            if let Some(e) = answers.iter().find_map(|a| a.as_ref().err()) {
                if is_range_error(e) && self.chunk > 1 {
                    self.chunk = (self.chunk / 2).max(1);
                    successes = 0;
                    tracing::debug!(from, to, chunk = self.chunk, error = %e, "getLogs range refused: halving");
                    continue;
                }
                return Err(ChainError::Call(format!("eth_getLogs: {e}")));
            }
            for log in answers[0]
                .as_ref()
                .ok()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(t) = self.decode_transfer(log) {
                    if fresh_latest
                        .as_ref()
                        .is_none_or(|l| (t.block, t.log_index) > (l.block, l.log_index))
                    {
                        fresh_latest = Some(t.clone());
                    }
                    if self.wallets.contains(&t.from) || self.wallets.contains(&t.to) {
                        self.transfers.insert((t.block, t.log_index), t);
                    }
                }
            }
            if let Some(Ok(Value::Array(logs))) = answers.get(1) {
                for log in logs {
                    let topics = log["topics"].as_array();
                    if let (Some(owner), Some(spender)) = (
                        topics.and_then(|t| t.get(1)).and_then(topic_address),
                        topics.and_then(|t| t.get(2)).and_then(topic_address),
                    ) {
                        approvals_in_window.insert((owner, spender));
                        let block = log["blockNumber"]
                            .as_str()
                            .and_then(|b| u64::from_str_radix(b.trim_start_matches("0x"), 16).ok());
                        latest_approval = latest_approval.max(block.unwrap_or(u64::MAX));
                    }
                }
            }
            from = to + 1;
            // Grow back toward the configured range after a few successes in a row (growing
            // at once would run straight back into the dense stretch that was refused).
            successes += 1;
            if successes >= GROW_AFTER {
                self.chunk = (self.chunk * 2).min(self.initial_chunk);
                successes = 0;
            }
        }
        if fresh_latest.is_some() {
            self.latest = fresh_latest;
        }
        let owners: BTreeSet<Address> = self.approvals.iter().map(|(owner, _)| *owner).collect();
        let since = self.allowances.as_ref().map(|(_, at, _)| *at);
        // Anything after the last read that can move an allowance: a new Approval, or a
        // transfer out of an owner's wallet. (A reorg that drops an Approval is caught by
        // the periodic re-read.)
        let after_last_read = |block: u64| since.is_none_or(|at| block > at);
        let moved = (!approvals_in_window.is_empty() && after_last_read(latest_approval))
            || self
                .transfers
                .values()
                .any(|t| owners.contains(&t.from) && after_last_read(t.block));
        self.approvals.extend(approvals_in_window);
        self.fill_senders_and_times(rpc, head).await?;
        let allowances = match self.allowances.take() {
            Some((values, at, scans)) if !moved && scans < ALLOWANCES_REREAD_SCANS => {
                (values, at, scans + 1)
            }
            _ => (self.read_allowances(rpc, head).await?, head, 0),
        };
        let allowances = &self.allowances.insert(allowances).0.clone();
        self.processed = Some(head);
        Ok(self.reading(head, allowances, calls_made))
    }

    /// The token's logs from the archive as the two answers the node would give: its
    /// Transfers, and the Approvals whose owner is a watched wallet.
    fn split_archived(&self, logs: Vec<Value>) -> Vec<super::rpc::CallResult> {
        let transfer = format!("{TRANSFER_TOPIC}");
        let approval = format!("{APPROVAL_TOPIC}");
        let owners: Vec<String> = self
            .wallets
            .iter()
            .map(|w| format!("{}", address_topic(*w)))
            .collect();
        let (mut transfers, mut approvals) = (Vec::new(), Vec::new());
        for log in logs {
            let topic = |i: usize| log["topics"][i].as_str().unwrap_or_default().to_lowercase();
            if topic(0) == transfer {
                transfers.push(log);
            } else if topic(0) == approval && owners.contains(&topic(1)) {
                approvals.push(log);
            }
        }
        vec![Ok(Value::Array(transfers)), Ok(Value::Array(approvals))]
    }

    /// The chain's first block number (read once: it never changes).
    async fn earliest_block(&mut self, rpc: &RpcClient) -> Result<u64, ChainError> {
        if let Some(earliest) = self.earliest {
            return Ok(earliest);
        }
        let (answers, _) = rpc
            .call_many(
                &[RpcCall::new(
                    "eth_getBlockByNumber",
                    json!(["earliest", false]),
                )],
                &HashSet::new(),
            )
            .await?;
        let earliest = answers[0]
            .as_ref()
            .ok()
            .and_then(|b| parse_quantity(&b["number"]))
            .unwrap_or(0);
        self.earliest = Some(earliest);
        Ok(earliest)
    }

    fn decode_transfer(&self, log: &Value) -> Option<TransferSeen> {
        let topics = log["topics"].as_array()?;
        if topics.len() != 3
            || serde_json::from_value::<B256>(topics[0].clone()).ok()? != TRANSFER_TOPIC
        {
            return None;
        }
        let data: Bytes = serde_json::from_value(log["data"].clone()).ok()?;
        let block = parse_quantity(&log["blockNumber"])?;
        let time = parse_quantity(&log["blockTimestamp"])
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t as i64).ok())
            .or_else(|| self.times.get(&block).copied());
        Some(TransferSeen {
            block,
            time,
            tx: serde_json::from_value(log["transactionHash"].clone()).ok()?,
            log_index: parse_quantity(&log["logIndex"])?,
            from: topic_address(&topics[1])?,
            to: topic_address(&topics[2])?,
            amount: (data.len() >= 32).then(|| U256::from_be_slice(&data[..32]))?,
            tx_sender: None,
        })
    }

    /// Zero-value transfers get their transaction's sender; logs without a block time get it.
    async fn fill_senders_and_times(
        &mut self,
        rpc: &RpcClient,
        head: u64,
    ) -> Result<(), ChainError> {
        let need_sender: Vec<B256> = self
            .transfers
            .values()
            .filter(|t| t.amount.is_zero() && !self.senders.contains_key(&t.tx))
            .map(|t| t.tx)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // The covered window's first block too: how many days the scan has seen.
        let need_time: Vec<u64> = self
            .transfers
            .values()
            .chain(self.latest.iter())
            .filter(|t| t.time.is_none())
            .map(|t| t.block)
            .chain(self.covered_from)
            .filter(|block| !self.times.contains_key(block))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut calls: Vec<RpcCall> = need_sender
            .iter()
            .map(|h| RpcCall::new("eth_getTransactionByHash", json!([h])))
            .collect();
        calls.extend(
            need_time
                .iter()
                .map(|b| RpcCall::new("eth_getBlockByNumber", json!([format!("0x{b:x}"), false]))),
        );
        if !calls.is_empty() {
            let answers = rpc.call_many_at(&calls, head).await?;
            for (hash, answer) in need_sender.iter().zip(&answers) {
                if let Some(from) = answer
                    .as_ref()
                    .ok()
                    .and_then(|tx| serde_json::from_value::<Address>(tx["from"].clone()).ok())
                {
                    self.senders.insert(*hash, from);
                }
            }
            for (block, answer) in need_time.iter().zip(&answers[need_sender.len()..]) {
                if let Some(t) = answer
                    .as_ref()
                    .ok()
                    .and_then(|b| parse_quantity(&b["timestamp"]))
                    .and_then(|t| OffsetDateTime::from_unix_timestamp(t as i64).ok())
                {
                    self.times.insert(*block, t);
                }
            }
        }
        let (senders, times) = (&self.senders, &self.times);
        for t in self.transfers.values_mut().chain(self.latest.iter_mut()) {
            if t.amount.is_zero() {
                t.tx_sender = senders.get(&t.tx).copied();
            }
            if t.time.is_none() {
                t.time = times.get(&t.block).copied();
            }
        }
        Ok(())
    }

    /// The current allowance of every (owner, spender) pair seen, in one multicall at `head`.
    async fn read_allowances(
        &self,
        rpc: &RpcClient,
        head: u64,
    ) -> Result<Vec<(Address, Address, U256)>, ChainError> {
        if self.approvals.is_empty() {
            return Ok(Vec::new());
        }
        let pairs: Vec<(Address, Address)> = self.approvals.iter().copied().collect();
        let reads: Vec<Read> = pairs
            .iter()
            .map(|&(owner, spender)| {
                Read::new(self.token, IERC20::allowanceCall { owner, spender })
            })
            .collect();
        let calls: Vec<RpcCall> = reads
            .chunks(400)
            .map(|c| aggregate3_call(self.multicall, c, At::Block(head)))
            .collect();
        let answers = rpc.call_many_at(&calls, head).await?;
        let mut results = Vec::new();
        for answer in answers {
            let raw: Bytes = answer
                .ok()
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| ChainError::Call("allowance reads failed".into()))?;
            results.extend(
                decode_aggregate3(&raw).map_err(|_| ChainError::MulticallAbsent(self.multicall))?,
            );
        }
        Ok(pairs
            .into_iter()
            .zip(results)
            .filter_map(|((owner, spender), r)| {
                let value = IERC20::allowanceCall::abi_decode_returns(r.as_ref()?).ok()?;
                Some((owner, spender, value))
            })
            .collect())
    }

    fn reading(
        &self,
        head: u64,
        allowances: &[(Address, Address, U256)],
        calls: u64,
    ) -> LogReading {
        let wallets = self
            .wallets
            .iter()
            .map(|&w| {
                let transfers: Vec<TransferSeen> = self
                    .transfers
                    .values()
                    .filter(|t| t.from == w || t.to == w)
                    .cloned()
                    .collect();
                WalletHistory {
                    address: w,
                    last_in: transfers.iter().rev().find(|t| t.to == w).cloned(),
                    last_out: transfers.iter().rev().find(|t| t.from == w).cloned(),
                    approvals: allowances
                        .iter()
                        .filter(|(owner, _, value)| *owner == w && !value.is_zero())
                        .map(|(_, spender, value)| (*spender, *value))
                        .collect(),
                    transfers,
                }
            })
            .collect();
        LogReading {
            block: head,
            wallets,
            latest_transfer: self.latest.clone(),
            covered_since: self.covered_from.and_then(|b| self.times.get(&b).copied()),
            from_first_block: self.covered_from.is_some() && self.covered_from == self.earliest,
            get_logs_calls: calls,
        }
    }
}
