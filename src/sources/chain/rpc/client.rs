//! A JSON-RPC client over several endpoints: chain-id guard, retries with backoff that honour
//! `Retry-After`, failover, a circuit breaker per endpoint, size-bounded JSON-RPC batches, and
//! counters of HTTP requests and calls.
//!
//! Why not alloy's stock transport layers: its HTTP transport keeps `Retry-After` only in its
//! delay-seconds form, its retry layer does not see HTTP headers once a JSON-RPC error body is
//! parsed, and its fallback layer checks no chain id and knows nothing of block pinning. This
//! layer is small, and the rest of popwatch uses alloy's types and ABI coding on top of it.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use super::breaker::Breaker;
use super::http::{Fault, excerpt, post_json};
use crate::config::RpcUrl;

/// Retries of one request on one endpoint before failing over.
const ATTEMPTS_PER_ENDPOINT: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Largest JSON-RPC batch body sent at once (anvil refuses bodies over 2 MB; public endpoints
/// are stricter).
const MAX_BATCH_BYTES: usize = 900 * 1024;

/// One JSON-RPC call.
#[derive(Debug, Clone)]
pub struct RpcCall {
    pub method: &'static str,
    /// The params as JSON text: a thousand calls' params as `Value` trees would take five
    /// times the memory of the request they become.
    pub params: Box<serde_json::value::RawValue>,
}

impl RpcCall {
    pub fn new(method: &'static str, params: Value) -> Self {
        let params = serde_json::value::to_raw_value(&params).expect("a JSON value serializes");
        Self { method, params }
    }

    /// A call whose params are already JSON text (an array).
    pub fn from_json_text(method: &'static str, params: String) -> Self {
        let params = serde_json::value::RawValue::from_string(params).expect("params are JSON");
        Self { method, params }
    }
}

/// An error object a node answered for one call (a revert, an invalid param): part of the
/// answer, not a fault of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JSON-RPC error {code}: {message}")]
pub struct CallError {
    pub code: i64,
    pub message: String,
    /// A revert's return data, as hex (`0x…`), where the node gives it: custom errors such as
    /// EIP-3668's `OffchainLookup` are told by it. Kept to its first 4 KiB.
    pub data: Option<String>,
}

pub type CallResult = Result<Value, CallError>;

/// What the user sees of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointStatus {
    /// Its chain id was not read yet (it did not answer so far).
    Unchecked,
    Ready,
    /// It serves another chain: refused for good.
    WrongChain {
        got: u64,
    },
}

#[derive(Debug)]
struct Endpoint {
    url: RpcUrl,
    status: Mutex<EndpointStatus>,
    breaker: Mutex<Breaker>,
    /// Cleared when the endpoint refuses a JSON-RPC batch; calls then go one by one.
    batches: AtomicBool,
    /// Why its chain id could not be read, for the user.
    last_fault: Mutex<Option<Fault>>,
    /// The budget of its log reads (`eth_getLogs`), where one is set.
    logs_gate: Option<super::gate::Gate>,
}

/// Requests and calls sent so far (for tests, and logged at debug level).
#[derive(Debug, Default)]
pub struct Stats {
    pub http_requests: AtomicU64,
    pub rpc_calls: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSnapshot {
    pub http_requests: u64,
    pub rpc_calls: u64,
}

impl std::ops::Sub for StatsSnapshot {
    type Output = StatsSnapshot;
    fn sub(self, rhs: Self) -> Self {
        StatsSnapshot {
            http_requests: self.http_requests - rhs.http_requests,
            rpc_calls: self.rpc_calls - rhs.rpc_calls,
        }
    }
}

/// Every endpoint failed; each one's reason, URLs redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no RPC endpoint answered: {}", reasons.join("; "))]
pub struct AllFailed {
    pub reasons: Vec<String>,
}

/// The reason when the caller excluded every endpoint (none was asked).
const ALL_EXCLUDED: &str = "every endpoint was excluded";

impl AllFailed {
    /// No endpoint was asked: the caller had excluded them all (each had refused already).
    pub fn all_excluded(&self) -> bool {
        self.reasons.iter().all(|r| r == ALL_EXCLUDED)
    }
}

/// A refused endpoint, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub endpoint: String,
    pub expected: u64,
    pub got: u64,
}

#[derive(Debug)]
pub struct RpcClient {
    endpoints: Vec<Endpoint>,
    chain_id: u64,
    timeout: Duration,
    http: reqwest::Client,
    stats: Stats,
    /// The endpoint that answered last: tried first next time.
    preferred: AtomicUsize,
    /// The largest answer read; a larger one is a fault of the endpoint.
    max_response_bytes: u64,
}

impl RpcClient {
    pub fn new(urls: &[RpcUrl], chain_id: u64, timeout: Duration) -> Self {
        Self::with_http(urls, chain_id, timeout, crate::net::http_client(timeout))
    }

    /// [`RpcClient::new`] on a shared HTTP client.
    pub fn with_http(
        urls: &[RpcUrl],
        chain_id: u64,
        timeout: Duration,
        http: reqwest::Client,
    ) -> Self {
        Self {
            endpoints: urls
                .iter()
                .map(|url| Endpoint {
                    url: url.clone(),
                    status: Mutex::new(EndpointStatus::Unchecked),
                    breaker: Mutex::new(Breaker::default()),
                    batches: AtomicBool::new(true),
                    last_fault: Mutex::new(None),
                    logs_gate: None,
                })
                .collect(),
            chain_id,
            timeout,
            http,
            stats: Stats::default(),
            preferred: AtomicUsize::new(0),
            max_response_bytes: crate::config::DEFAULT_RPC_MAX_RESPONSE_MIB * 1024 * 1024,
        }
    }

    /// The same client with a budget for each endpoint's log reads: at most `in_flight`
    /// requests holding an `eth_getLogs` at once, and `per_second` of them a second.
    pub fn with_logs_budget(mut self, in_flight: usize, per_second: u32) -> Self {
        for endpoint in &mut self.endpoints {
            endpoint.logs_gate = Some(super::gate::Gate::new(in_flight, per_second));
        }
        self
    }

    /// The same client with another cap on one answer's size.
    pub fn with_max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    pub fn stats(&self) -> StatsSnapshot {
        StatsSnapshot {
            http_requests: self.stats.http_requests.load(Ordering::Relaxed),
            rpc_calls: self.stats.rpc_calls.load(Ordering::Relaxed),
        }
    }

    pub fn endpoint_count(&self) -> usize {
        self.endpoints.len()
    }

    /// The endpoint at `index`, secrets redacted.
    pub fn endpoint_name(&self, index: usize) -> String {
        self.endpoints[index].url.redacted()
    }

    pub fn endpoint_status(&self, index: usize) -> EndpointStatus {
        self.endpoints[index]
            .status
            .lock()
            .expect("not poisoned")
            .clone()
    }

    /// Reads `eth_chainId` of every endpoint not checked yet. Endpoints of another chain are
    /// refused for good and returned, so the user can be told.
    pub async fn check_chain_ids(&self) -> Vec<Refusal> {
        let unchecked: Vec<usize> = (0..self.endpoints.len())
            .filter(|&i| self.endpoint_status(i) == EndpointStatus::Unchecked)
            .collect();
        let answers = futures::future::join_all(unchecked.iter().map(|&i| async move {
            let call = [RpcCall::new("eth_chainId", json!([]))];
            (i, self.exchange(i, &call).await)
        }))
        .await;
        let mut refusals = Vec::new();
        for (i, answer) in answers {
            let endpoint = &self.endpoints[i];
            let got = match answer {
                Ok(mut results) => match results.pop() {
                    Some(Ok(v)) => parse_quantity(&v),
                    _ => None,
                },
                Err(fault) => {
                    tracing::warn!(endpoint = %endpoint.url, %fault, "eth_chainId failed");
                    endpoint
                        .breaker
                        .lock()
                        .expect("not poisoned")
                        .record_failure(Instant::now());
                    *endpoint.last_fault.lock().expect("not poisoned") = Some(fault);
                    continue;
                }
            };
            let Some(got) = got else { continue };
            let mut status = endpoint.status.lock().expect("not poisoned");
            if got == self.chain_id {
                *status = EndpointStatus::Ready;
            } else {
                tracing::warn!(endpoint = %endpoint.url, expected = self.chain_id, got, "endpoint refused: wrong chain");
                *status = EndpointStatus::WrongChain { got };
                refusals.push(Refusal {
                    endpoint: endpoint.url.redacted(),
                    expected: self.chain_id,
                    got,
                });
            }
        }
        refusals
    }

    /// Sends `calls` to the first endpoint that can answer them all, starting with the one
    /// that answered last and skipping refused, cooling-down and `excluded` endpoints.
    /// Returns the answers in order, and which endpoint gave them.
    pub async fn call_many(
        &self,
        calls: &[RpcCall],
        excluded: &HashSet<usize>,
    ) -> Result<(Vec<CallResult>, usize), AllFailed> {
        let n = self.endpoints.len();
        let start = self.preferred.load(Ordering::Relaxed);
        let mut reasons = Vec::new();
        // Endpoints skipped because their breaker is open, with when it closes.
        let mut cooling: Vec<(usize, Instant)> = Vec::new();
        let mut tried = false;
        for i in (0..n).map(|k| (start + k) % n) {
            let endpoint = &self.endpoints[i];
            let name = endpoint.url.redacted();
            if excluded.contains(&i) {
                continue;
            }
            match self.endpoint_status(i) {
                EndpointStatus::Ready => {}
                EndpointStatus::WrongChain { got } => {
                    reasons.push(format!("{name}: refused, serves chain {got}"));
                    continue;
                }
                EndpointStatus::Unchecked => {
                    let why = endpoint.last_fault.lock().expect("not poisoned").clone();
                    reasons.push(match why {
                        Some(fault) => format!("{name}: {fault}"),
                        None => format!("{name}: its chain id could not be read"),
                    });
                    continue;
                }
            }
            let breaker = endpoint.breaker.lock().expect("not poisoned").clone();
            if breaker.is_open(Instant::now()) {
                let closes_at = breaker.open_until().unwrap_or_else(Instant::now);
                cooling.push((i, closes_at));
                continue;
            }
            tried = true;
            match self.try_endpoint(i, calls).await {
                Ok(results) => return Ok((results, i)),
                Err(reason) => reasons.push(reason),
            }
        }
        // Every usable endpoint is cooling down: rather than show nothing until a cool-down
        // ends, probe the one that recovers first, so a fault that has cleared is seen at
        // the next refresh (a breaker spares the others, not the only way to the chain).
        if !tried && let Some(&(i, _)) = cooling.iter().min_by_key(|(_, at)| *at) {
            match self.try_endpoint(i, calls).await {
                Ok(results) => return Ok((results, i)),
                Err(reason) => reasons.push(reason),
            }
        }
        for (i, _) in cooling {
            reasons.push(format!(
                "{}: skipped after repeated failures",
                self.endpoints[i].url.redacted()
            ));
        }
        if reasons.is_empty() {
            reasons.push(ALL_EXCLUDED.to_owned());
        }
        Err(AllFailed { reasons })
    }

    /// [`RpcClient::call_many`] answered by an endpoint that has reached `block`: the calls
    /// go out with an `eth_blockNumber`, and an endpoint behind `block` is left for the next.
    /// Reads pinned to a block the chain refresh showed (a log scan up to it, a simulated
    /// sale at it) must not be answered by a lagging node: it answers a range past its head
    /// with fewer logs, and a call at a block it lacks with an error that is not the token's.
    pub async fn call_many_at(
        &self,
        calls: &[RpcCall],
        block: u64,
    ) -> Result<Vec<CallResult>, AllFailed> {
        self.call_many_at_excluding(calls, block, &HashSet::new())
            .await
            .map(|(answers, _)| answers)
    }

    /// [`RpcClient::call_many_at`] on the endpoints not in `excluded`, with the endpoint that
    /// answered: a caller whose answer says the endpoint lacks something (pruned history) asks
    /// the others.
    pub async fn call_many_at_excluding(
        &self,
        calls: &[RpcCall],
        block: u64,
        excluded: &HashSet<usize>,
    ) -> Result<(Vec<CallResult>, usize), AllFailed> {
        let mut with_height = calls.to_vec();
        with_height.push(RpcCall::new("eth_blockNumber", json!([])));
        let mut excluded = excluded.clone();
        let mut behind = Vec::new();
        loop {
            let (mut answers, endpoint) = match self.call_many(&with_height, &excluded).await {
                Ok(answered) => answered,
                Err(mut failed) => {
                    failed.reasons.extend(behind);
                    return Err(failed);
                }
            };
            let height = answers
                .pop()
                .and_then(|a| a.ok())
                .and_then(|v| parse_quantity(&v));
            if height.is_some_and(|h| h >= block) {
                return Ok((answers, endpoint));
            }
            let name = self.endpoint_name(endpoint);
            behind.push(match height {
                Some(h) => format!("{name}: at block {h}, behind block {block}"),
                None => format!("{name}: its block number is not a number"),
            });
            excluded.insert(endpoint);
        }
    }

    /// `calls` on endpoint `i`, its breaker told how it went; the failure as a reason line.
    async fn try_endpoint(&self, i: usize, calls: &[RpcCall]) -> Result<Vec<CallResult>, String> {
        let endpoint = &self.endpoints[i];
        let name = endpoint.url.redacted();
        match self.exchange(i, calls).await {
            Ok(results) => {
                endpoint
                    .breaker
                    .lock()
                    .expect("not poisoned")
                    .record_success();
                self.preferred.store(i, Ordering::Relaxed);
                Ok(results)
            }
            Err(fault) => {
                tracing::warn!(endpoint = %name, %fault, "failing over");
                endpoint
                    .breaker
                    .lock()
                    .expect("not poisoned")
                    .record_failure(Instant::now());
                let hint = fault
                    .what_to_try()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                Err(format!("{name}: {fault}{hint}"))
            }
        }
    }

    /// All of `calls` on endpoint `i`: in batches where it takes them, one by one otherwise.
    async fn exchange(&self, i: usize, calls: &[RpcCall]) -> Result<Vec<CallResult>, Fault> {
        let endpoint = &self.endpoints[i];
        let gated = calls.iter().any(|c| c.method == "eth_getLogs");
        if calls.len() == 1 || !endpoint.batches.load(Ordering::Relaxed) {
            let mut out = Vec::with_capacity(calls.len());
            for call in calls {
                out.push(self.send_single(i, call, gated).await?);
            }
            return Ok(out);
        }
        let mut out = Vec::with_capacity(calls.len());
        for group in batch_groups(calls) {
            match self.send_batch(i, group, gated).await {
                Ok(results) => out.extend(results),
                Err(BatchError::Refused) => {
                    tracing::info!(endpoint = %endpoint.url, "endpoint refuses JSON-RPC batches: sending calls one by one");
                    endpoint.batches.store(false, Ordering::Relaxed);
                    for call in group {
                        out.push(self.send_single(i, call, gated).await?);
                    }
                }
                Err(BatchError::Fault(f)) => return Err(f),
            }
        }
        Ok(out)
    }

    async fn send_single(
        &self,
        i: usize,
        call: &RpcCall,
        gated: bool,
    ) -> Result<CallResult, Fault> {
        let body = serde_json::to_vec(&request_object(call, 1)).expect("JSON serializes");
        let value = self.post_with_retries(i, body.into(), 1, gated).await?;
        let mut results = parse_responses(value, 1).map_err(Fault::Malformed)?;
        Ok(results.pop().expect("one result for one call"))
    }

    async fn send_batch(
        &self,
        i: usize,
        calls: &[RpcCall],
        gated: bool,
    ) -> Result<Vec<CallResult>, BatchError> {
        let body: Vec<RequestObject> = calls
            .iter()
            .enumerate()
            .map(|(id, call)| request_object(call, id as u64 + 1))
            .collect();
        // Sized up front: a batch is up to ~900 KB, and growing by doubling would hold twice that.
        let size: usize = calls.iter().map(|c| c.params.get().len() + 64).sum();
        let mut bytes = Vec::with_capacity(size + 2);
        serde_json::to_writer(&mut bytes, &body).expect("JSON serializes");
        drop(body);
        let value = self
            .post_with_retries(i, bytes.into(), calls.len(), gated)
            .await?;
        if !value.is_array() {
            // An error object instead of an array: batches are not accepted here.
            return Err(BatchError::Refused);
        }
        parse_responses(value, calls.len()).map_err(|e| BatchError::Fault(Fault::Malformed(e)))
    }

    /// One POST, retried on this endpoint while the fault is worth a retry and the wait it
    /// asks for fits in the request timeout; `gated`: each attempt waits its turn in the
    /// endpoint's log budget.
    async fn post_with_retries(
        &self,
        i: usize,
        body: Bytes,
        calls: usize,
        gated: bool,
    ) -> Result<Value, Fault> {
        let url = self.endpoints[i].url.expose();
        let gate = self.endpoints[i].logs_gate.as_ref().filter(|_| gated);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let permit = match gate {
                Some(gate) => Some(gate.enter().await),
                None => None,
            };
            self.stats.http_requests.fetch_add(1, Ordering::Relaxed);
            self.stats
                .rpc_calls
                .fetch_add(calls as u64, Ordering::Relaxed);
            // A retry sends the same body: `Bytes` shares it instead of copying it.
            let result = post_json(
                &self.http,
                url,
                body.clone(),
                self.timeout,
                self.max_response_bytes,
            )
            .await
            .and_then(|bytes| {
                let value: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| Fault::Malformed(format!("{e} in {}", excerpt(&bytes))))?;
                drop(bytes);
                if let Some(fault) = rate_limit_in_body(&value) {
                    return Err(fault);
                }
                Ok(value)
            });
            // The slot is free again while a retry waits.
            drop(permit);
            match result {
                Ok(value) => return Ok(value),
                Err(fault) if fault.is_retryable_here() && attempt < ATTEMPTS_PER_ENDPOINT => {
                    let wait = match &fault {
                        Fault::RateLimited {
                            retry_after: Some(d),
                        } => *d,
                        _ => backoff,
                    };
                    if wait > self.timeout {
                        // A long Retry-After: the next endpoint answers sooner.
                        return Err(fault);
                    }
                    tracing::debug!(endpoint = %self.endpoints[i].url, %fault, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    backoff *= 2;
                    attempt += 1;
                }
                Err(fault) => return Err(fault),
            }
        }
    }
}

enum BatchError {
    Refused,
    Fault(Fault),
}

impl From<Fault> for BatchError {
    fn from(f: Fault) -> Self {
        BatchError::Fault(f)
    }
}

/// Splits calls into groups whose JSON stays under [`MAX_BATCH_BYTES`].
fn batch_groups(calls: &[RpcCall]) -> Vec<&[RpcCall]> {
    let mut groups = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, call) in calls.iter().enumerate() {
        let call_size = call.params.get().len() + 64;
        if i > start && size + call_size > MAX_BATCH_BYTES {
            groups.push(&calls[start..i]);
            start = i;
            size = 0;
        }
        size += call_size;
    }
    if start < calls.len() {
        groups.push(&calls[start..]);
    }
    groups
}

/// One JSON-RPC request object, serialized straight from the call.
#[derive(serde::Serialize)]
struct RequestObject<'a> {
    jsonrpc: &'static str,
    id: u64,
    method: &'static str,
    params: &'a serde_json::value::RawValue,
}

fn request_object(call: &RpcCall, id: u64) -> RequestObject<'_> {
    RequestObject {
        jsonrpc: "2.0",
        id,
        method: call.method,
        params: &call.params,
    }
}

/// -32005 ("limit exceeded", used for rate limits) anywhere in the answer: retry the request.
pub fn rate_limit_in_body(value: &Value) -> Option<Fault> {
    // -32005 also answers a getLogs query with too many results: that one is the caller's
    // to split, not a reason to wait.
    let is_limit = |v: &Value| {
        let message = v["error"]["message"].as_str().unwrap_or("").to_lowercase();
        v["error"]["code"].as_i64() == Some(-32005)
            && !["result", "range", "block"]
                .iter()
                .any(|w| message.contains(w))
    };
    let hit = match value {
        Value::Array(items) => items.iter().any(is_limit),
        other => is_limit(other),
    };
    hit.then(|| Fault::RateLimited {
        retry_after: value_backoff(value),
    })
}

/// Some providers put a backoff hint in the error's data: at `data.backoff_seconds`, or, as
/// Infura does, at `data.rate.backoff_seconds`. Clamped to a day; a negative or absurd hint
/// is no hint (our own backoff applies).
fn value_backoff(value: &Value) -> Option<Duration> {
    let first = match value {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let data = &first["error"]["data"];
    [&data["backoff_seconds"], &data["rate"]["backoff_seconds"]]
        .into_iter()
        .find_map(Value::as_f64)
        .and_then(super::http::server_wait_secs)
}

/// Responses ordered by request id 1..=n.
pub fn parse_responses(value: Value, n: usize) -> Result<Vec<CallResult>, String> {
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    let mut by_id: HashMap<u64, CallResult> = HashMap::with_capacity(items.len());
    for mut item in items {
        let Some(id) = item["id"].as_u64() else {
            return Err(format!(
                "a response without an id: {}",
                excerpt(item.to_string().as_bytes())
            ));
        };
        let result = if let Some(error) = item.get("error").filter(|e| !e.is_null()) {
            Err(CallError {
                code: error["code"].as_i64().unwrap_or(0),
                message: crate::format::sanitize(error["message"].as_str().unwrap_or("")),
                data: error["data"]
                    .as_str()
                    .filter(|d| {
                        d.starts_with("0x") && d[2..].bytes().all(|b| b.is_ascii_hexdigit())
                    })
                    .map(|d| d.chars().take(2 + 8192).collect()),
            })
        } else if let Some(result) = item.get_mut("result") {
            // Moved out, not copied: an aggregate3 answer is hundreds of KB of hex.
            Ok(result.take())
        } else {
            return Err("a response with neither result nor error".to_owned());
        };
        // Answers are matched by id: one outside what was asked, or one given twice, means the
        // batch cannot be trusted to pair each answer with its call.
        if id == 0 || id > n as u64 {
            return Err(format!("an answer to call {id}, of {n} asked"));
        }
        if by_id.insert(id, result).is_some() {
            return Err(format!("two answers to call {id}"));
        }
    }
    (1..=n as u64)
        .map(|id| {
            by_id
                .remove(&id)
                .ok_or_else(|| format!("no response for call {id} of {n}"))
        })
        .collect()
}

/// A JSON-RPC quantity (`"0x1a"`).
pub fn parse_quantity(value: &Value) -> Option<u64> {
    u64::from_str_radix(value.as_str()?.strip_prefix("0x")?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_answers_are_matched_by_id_and_never_by_position() {
        let answer = |id: u64, result: &str| serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result});
        // Reordered: each answer still goes to its call.
        let reordered = Value::Array(vec![answer(2, "0x2"), answer(1, "0x1")]);
        let parsed = parse_responses(reordered, 2).unwrap();
        assert_eq!(parsed[0].as_ref().unwrap(), "0x1");
        assert_eq!(parsed[1].as_ref().unwrap(), "0x2");
        // Short, long, duplicated: an error for the batch, never a shifted value.
        for (what, batch) in [
            ("short", vec![answer(1, "0x1")]),
            (
                "long",
                vec![answer(1, "0x1"), answer(2, "0x2"), answer(3, "0x3")],
            ),
            (
                "duplicated",
                vec![answer(1, "0x1"), answer(1, "0x9"), answer(2, "0x2")],
            ),
            (
                "id 0",
                vec![answer(0, "0x0"), answer(1, "0x1"), answer(2, "0x2")],
            ),
        ] {
            assert!(
                parse_responses(Value::Array(batch), 2).is_err(),
                "{what} was accepted"
            );
        }
    }

    #[test]
    fn backoff_hints_are_read_at_both_paths_and_never_trusted_unbounded() {
        let limited = |data: Value| {
            serde_json::json!({"jsonrpc": "2.0", "id": 1,
                "error": {"code": -32005, "message": "limit exceeded", "data": data}})
        };
        let hint = |data: Value| match rate_limit_in_body(&limited(data)) {
            Some(Fault::RateLimited { retry_after }) => retry_after,
            other => panic!("not a rate limit: {other:?}"),
        };
        let json = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            hint(json(r#"{"backoff_seconds": 2}"#)),
            Some(Duration::from_secs(2))
        );
        // Infura's place for it.
        assert_eq!(
            hint(json(r#"{"rate": {"backoff_seconds": 0.5}}"#)),
            Some(Duration::from_millis(500))
        );
        assert_eq!(hint(json(r#"{"rate": {"backoff_seconds": -3}}"#)), None);
        assert_eq!(
            hint(json(r#"{"backoff_seconds": 1e300}"#)),
            Some(super::super::http::MAX_SERVER_WAIT)
        );
        assert_eq!(hint(json(r#"{"backoff_seconds": "soon"}"#)), None);
    }

    #[test]
    fn responses_are_matched_by_id_whatever_their_order() {
        let value = json!([
            {"jsonrpc": "2.0", "id": 2, "result": "0x2"},
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 3, "message": "execution reverted"}},
        ]);
        let results = parse_responses(value, 2).unwrap();
        assert_eq!(results[0].as_ref().unwrap_err().code, 3);
        assert_eq!(results[1].as_ref().unwrap(), &json!("0x2"));
        assert!(parse_responses(json!([{"id": 1, "result": "0x"}]), 2).is_err());
    }

    #[test]
    fn limit_exceeded_in_a_200_is_a_rate_limit() {
        let value = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "limit exceeded"}});
        assert_eq!(
            rate_limit_in_body(&value),
            Some(Fault::RateLimited { retry_after: None })
        );
        assert_eq!(rate_limit_in_body(&json!({"id": 1, "result": "0x1"})), None);
    }

    #[test]
    fn batches_are_split_by_size() {
        let big = RpcCall::new("eth_call", json!(["x".repeat(400 * 1024)]));
        let calls = vec![
            big.clone(),
            big.clone(),
            big.clone(),
            RpcCall::new("eth_blockNumber", json!([])),
        ];
        let groups = batch_groups(&calls);
        assert_eq!(groups.iter().map(|g| g.len()).sum::<usize>(), 4);
        assert!(groups.len() >= 2);
    }
}
