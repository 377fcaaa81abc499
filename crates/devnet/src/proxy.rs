//! A real HTTP proxy on loopback in front of anvil that counts what crosses it and injects the
//! faults public endpoints show: 429 with Retry-After, -32005 in an HTTP 200, HTML error
//! pages, bodies cut off mid-way, no answer at all.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// Forward to anvil.
    Pass,
    /// HTTP 429 with this Retry-After header value.
    TooManyRequests(String),
    /// HTTP 200 whose body is a JSON-RPC -32005 "limit exceeded" error.
    LimitExceeded,
    /// Like `LimitExceeded`, with this JSON as the error's `data` (where providers put a
    /// backoff hint).
    LimitExceededWithData(String),
    /// Forward, but drop the last result of every aggregate3 answer: a node (or a bug in
    /// one) answering fewer results than it was asked.
    ShortAggregate,
    /// Forward, but append a copy of the last result to every aggregate3 answer: more
    /// results than reads.
    LongAggregate,
    /// Forward, but answer a JSON-RPC batch in reverse order (allowed: ids pair them).
    ReversedBatch,
    /// Forward, but answer the first call of a batch twice.
    DuplicatedAnswer,
    /// Forward, but add an answer to an id no call had.
    StrangerAnswer,
    /// Forward, but every aggregate3 answer reports this block number (its first read is
    /// `getBlockNumber`): a lying or broken backend.
    BlockNumber(String),
    /// HTTP 502 with an HTML page.
    Html502,
    /// This HTTP status ("401 Unauthorized") with this JSON body: a provider refusing a key,
    /// a spent plan.
    Status(String, String),
    /// Forward, but close the connection halfway through the body.
    Truncated,
    /// Accept the request and never answer.
    Hang,
    /// Read the request, then reset the connection (TCP RST, no answer).
    Reset,
    /// Forward, but answer `eth_chainId` with this chain id: an endpoint of another chain.
    WrongChain(u64),
    /// Forward, the answer after this many bytes of whitespace and with no Content-Length:
    /// valid JSON of any size, that only a cap on the size can refuse.
    Padded(u64),
    /// Forward, the answer sent a byte at a time, this long apart.
    Trickle(Duration),
    /// Forward to this other node: one of two load-balanced backends.
    Via(String),
    /// Forward, but answer `eth_gasPrice` with this quantity (hex, as sent).
    GasPrice(String),
    /// HTTP 502 with an HTML page for requests holding this JSON-RPC method; forward the others.
    Html502For(String),
    /// A node without state overrides: every `eth_call` given a third parameter is answered
    /// with an invalid-argument error (as geth answers what it cannot parse); the rest is
    /// forwarded.
    NoStateOverrides,
}

/// How a node without old logs answers for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryLoss {
    /// JSON-RPC error 4444, "pruned history unavailable".
    Pruned,
    /// Success, without the logs below the floor.
    Silent,
}

#[derive(Debug, Default)]
pub struct Counters {
    pub http_requests: AtomicU64,
    pub rpc_calls: AtomicU64,
}

struct Shared {
    upstream: String,
    queue: Mutex<VecDeque<Behaviour>>,
    default: Mutex<Behaviour>,
    counters: Counters,
    /// When each request arrived, for timing assertions.
    arrivals: Mutex<Vec<Instant>>,
    /// The last request line's path and query, to check what the client sent.
    paths: Mutex<Vec<String>>,
    /// The JSON-RPC methods of each request, in order.
    methods: Mutex<Vec<Vec<String>>>,
    /// Limits like a public node's on eth_getLogs: (max blocks per range, max results).
    logs_limit: Mutex<Option<(u64, usize)>>,
    /// Below this block the node has no logs: it refuses them as pruned, or (silently) leaves
    /// them out.
    history_floor: Mutex<Option<(u64, HistoryLoss)>>,
    /// Below this block the node serves no state (`eth_getCode` at it fails).
    state_floor: Mutex<Option<u64>>,
    /// Added before every answer: a route to a distant node.
    latency: Mutex<Duration>,
    /// The largest JSON-RPC batch answered; a larger one is refused whole.
    batch_cap: Mutex<Option<usize>>,
    refused_batches: AtomicU64,
    /// Every eth_getLogs range asked for, as (from, to).
    log_ranges: Mutex<Vec<(u64, u64)>>,
    client: reqwest::Client,
    /// The task serving each accepted connection.
    connections: Mutex<Vec<tokio::task::AbortHandle>>,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Gone means gone: kept-alive connections close too, as when a server goes down.
        self.task.abort();
        for connection in self.shared.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

impl FaultProxy {
    pub async fn start(upstream: &str) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), upstream).await
    }

    /// On a given address: an endpoint that comes back on the port it had.
    pub async fn start_on(addr: SocketAddr, upstream: &str) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream: upstream.to_owned(),
            queue: Mutex::new(VecDeque::new()),
            default: Mutex::new(Behaviour::Pass),
            counters: Counters::default(),
            arrivals: Mutex::new(Vec::new()),
            paths: Mutex::new(Vec::new()),
            methods: Mutex::new(Vec::new()),
            logs_limit: Mutex::new(None),
            history_floor: Mutex::new(None),
            state_floor: Mutex::new(None),
            latency: Mutex::new(Duration::ZERO),
            batch_cap: Mutex::new(None),
            refused_batches: AtomicU64::new(0),
            log_ranges: Mutex::new(Vec::new()),
            client: reqwest::Client::new(),
            connections: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                // Head and body are two writes: no Nagle delay between them.
                let _ = stream.set_nodelay(true);
                let connection = tokio::spawn(serve(stream, s.clone()));
                s.connections
                    .lock()
                    .unwrap()
                    .push(connection.abort_handle());
            }
        });
        Self { addr, shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next requests get these behaviours, in order; then the default.
    pub fn push(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        self.shared.queue.lock().unwrap().extend(behaviours);
    }

    /// Forgets the behaviours pushed and not used yet.
    pub fn clear_queue(&self) {
        self.shared.queue.lock().unwrap().clear();
    }

    pub fn set_default(&self, behaviour: Behaviour) {
        *self.shared.default.lock().unwrap() = behaviour;
    }

    pub fn http_requests(&self) -> u64 {
        self.shared.counters.http_requests.load(Ordering::SeqCst)
    }

    pub fn rpc_calls(&self) -> u64 {
        self.shared.counters.rpc_calls.load(Ordering::SeqCst)
    }

    pub fn arrivals(&self) -> Vec<Instant> {
        self.shared.arrivals.lock().unwrap().clone()
    }

    /// The JSON-RPC methods of each request since the last reset, in order.
    pub fn methods(&self) -> Vec<Vec<String>> {
        self.shared.methods.lock().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.shared.paths.lock().unwrap().clone()
    }

    /// Refuse eth_getLogs ranges over `max_range` blocks and answers over `max_results` logs.
    pub fn limit_logs(&self, max_range: u64, max_results: usize) {
        *self.shared.logs_limit.lock().unwrap() = Some((max_range, max_results));
    }

    /// Logs below `block` are gone: refused as pruned (EIP-4444's code 4444), or left out of
    /// the answer without a word.
    pub fn lose_history_below(&self, block: u64, loss: HistoryLoss) {
        *self.shared.history_floor.lock().unwrap() = Some((block, loss));
    }

    /// State below `block` is not served: `eth_getCode` at such a block fails, as a node
    /// without archive state answers.
    pub fn lose_state_below(&self, block: u64) {
        *self.shared.state_floor.lock().unwrap() = Some(block);
    }

    /// Batches of more than `calls` calls are refused whole (HTTP 400, JSON-RPC -32600).
    pub fn cap_batches(&self, calls: usize) {
        *self.shared.batch_cap.lock().unwrap() = Some(calls);
    }

    /// How many batches the cap has refused.
    pub fn refused_batches(&self) -> u64 {
        self.shared.refused_batches.load(Ordering::SeqCst)
    }

    /// Every answer is held back `latency` (a route to a distant node; benchmarks).
    pub fn set_latency(&self, latency: Duration) {
        *self.shared.latency.lock().unwrap() = latency;
    }

    /// The eth_getLogs ranges asked for so far, refused ones included.
    pub fn log_ranges(&self) -> Vec<(u64, u64)> {
        self.shared.log_ranges.lock().unwrap().clone()
    }

    pub fn reset_counts(&self) {
        self.shared
            .counters
            .http_requests
            .store(0, Ordering::SeqCst);
        self.shared.counters.rpc_calls.store(0, Ordering::SeqCst);
        self.shared.arrivals.lock().unwrap().clear();
        self.shared.methods.lock().unwrap().clear();
    }
}

/// Reads one HTTP/1.1 request: (request line, body). None at end of stream.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let mut chunk = [0u8; 65536];
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[end + 4..end + 4 + length].to_vec();
            buf.drain(..end + 4 + length);
            let line = head.lines().next().unwrap_or_default().to_owned();
            return Some((line, body));
        }
        let mut chunk = [0u8; 65536];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buf = Vec::new();
    while let Some((line, body)) = read_request(&mut stream, &mut buf).await {
        shared.counters.http_requests.fetch_add(1, Ordering::SeqCst);
        let latency = *shared.latency.lock().unwrap();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        shared.arrivals.lock().unwrap().push(Instant::now());
        shared
            .paths
            .lock()
            .unwrap()
            .push(line.split_whitespace().nth(1).unwrap_or("").to_owned());
        let request_body = body.clone();
        let parsed = serde_json::from_slice::<serde_json::Value>(&body);
        let calls = match &parsed {
            Ok(serde_json::Value::Array(items)) => items.len() as u64,
            Ok(_) => 1,
            Err(_) => 0,
        };
        let methods = match &parsed {
            Ok(serde_json::Value::Array(items)) => {
                items.iter().map(|i| i["method"].to_string()).collect()
            }
            Ok(one) => vec![one["method"].to_string()],
            Err(_) => Vec::new(),
        };
        shared.methods.lock().unwrap().push(methods.clone());
        shared.counters.rpc_calls.fetch_add(calls, Ordering::SeqCst);
        // A node capping batches refuses a larger one whole, as providers do.
        let cap = *shared.batch_cap.lock().unwrap();
        if let Some(cap) = cap.filter(|cap| calls as usize > *cap) {
            shared.refused_batches.fetch_add(1, Ordering::SeqCst);
            let answer = format!(
                r#"{{"jsonrpc":"2.0","id":null,"error":{{"code":-32600,"message":"batch of {calls} requests exceeds the limit of {cap}"}}}}"#
            );
            if respond(
                &mut stream,
                "400 Bad Request",
                &[("content-type", "application/json".to_owned())],
                answer.as_bytes(),
            )
            .await
            .is_err()
            {
                return;
            }
            continue;
        }
        let behaviour = shared
            .queue
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| shared.default.lock().unwrap().clone());
        let json = [("content-type", "application/json".to_owned())];
        let behaviour = match behaviour {
            Behaviour::Html502For(method) if methods.contains(&format!("\"{method}\"")) => {
                Behaviour::Html502
            }
            Behaviour::Html502For(_) => Behaviour::Pass,
            other => other,
        };
        if behaviour == Behaviour::NoStateOverrides
            && let Some(answer) = refuse_overrides(&shared, &request_body).await
        {
            if respond(&mut stream, "200 OK", &json, answer.as_bytes())
                .await
                .is_err()
            {
                return;
            }
            continue;
        }
        let upstream = match &behaviour {
            Behaviour::Via(url) => url.clone(),
            _ => shared.upstream.clone(),
        };
        let result = match behaviour {
            Behaviour::Reset => {
                let _ = stream.set_zero_linger();
                return; // dropped with SO_LINGER 0: the peer sees a reset
            }
            Behaviour::WrongChain(id) if is_chain_id_request(&request_body) => {
                let answer = format!(r#"{{"jsonrpc":"2.0","id":1,"result":"0x{id:x}"}}"#);
                respond(&mut stream, "200 OK", &json, answer.as_bytes()).await
            }
            Behaviour::Pass
            | Behaviour::Truncated
            | Behaviour::WrongChain(_)
            | Behaviour::ShortAggregate
            | Behaviour::LongAggregate
            | Behaviour::ReversedBatch
            | Behaviour::DuplicatedAnswer
            | Behaviour::StrangerAnswer
            | Behaviour::BlockNumber(_)
            | Behaviour::Padded(_)
            | Behaviour::Trickle(_)
            | Behaviour::Via(_)
            | Behaviour::GasPrice(_)
            | Behaviour::NoStateOverrides
            | Behaviour::Html502For(_) => {
                let answer = shared
                    .client
                    .post(&upstream)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                let Ok(answer) = answer else { return };
                let mut bytes = answer.bytes().await.unwrap_or_default().to_vec();
                if let Some(limited) = limit_logs(&shared, &request_body, &bytes) {
                    bytes = limited;
                }
                match &behaviour {
                    Behaviour::LongAggregate => {
                        bytes = edit_aggregates(&bytes, |results| {
                            results.push(results[results.len() - 1].clone());
                        });
                    }
                    Behaviour::ReversedBatch
                    | Behaviour::DuplicatedAnswer
                    | Behaviour::StrangerAnswer => {
                        bytes = edit_batch(&bytes, &behaviour);
                    }
                    Behaviour::GasPrice(price) => {
                        bytes = edit_answers(&request_body, &bytes, "eth_gasPrice", |result| {
                            *result = serde_json::json!(price);
                        });
                    }
                    Behaviour::ShortAggregate => {
                        bytes = edit_aggregates(&bytes, |results| {
                            results.pop();
                        });
                    }
                    Behaviour::BlockNumber(number) => {
                        let number: alloy::primitives::U256 =
                            number.parse().expect("a decimal block number");
                        bytes = edit_aggregates(&bytes, |results| {
                            use alloy::sol_types::SolValue;
                            results[0].returnData = number.abi_encode().into();
                        });
                    }
                    _ => {}
                }
                if let Behaviour::Padded(padding) = behaviour {
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
                    if stream.write_all(head.as_bytes()).await.is_ok() {
                        let _ = crate::http_server::write_padded(&mut stream, padding, &bytes).await;
                    }
                    return; // the end of the connection ends the body
                }
                if let Behaviour::Trickle(every) = behaviour {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        bytes.len()
                    );
                    if stream.write_all(head.as_bytes()).await.is_err()
                        || crate::http_server::write_trickle(&mut stream, &bytes, every)
                            .await
                            .is_err()
                    {
                        return;
                    }
                    continue;
                }
                if behaviour == Behaviour::Truncated {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        bytes.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&bytes[..bytes.len() / 2]).await;
                    return; // closing mid-body
                }
                respond(&mut stream, "200 OK", &json, &bytes).await
            }
            Behaviour::TooManyRequests(retry_after) => {
                respond(
                    &mut stream,
                    "429 Too Many Requests",
                    &[("retry-after", retry_after), ("content-type", "application/json".to_owned())],
                    br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limited"}}"#,
                )
                .await
            }
            Behaviour::LimitExceeded => {
                respond(
                    &mut stream,
                    "200 OK",
                    &json,
                    br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"limit exceeded"}}"#,
                )
                .await
            }
            Behaviour::LimitExceededWithData(data) => {
                let body = format!(
                    r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":-32005,"message":"limit exceeded","data":{data}}}}}"#
                );
                respond(&mut stream, "200 OK", &json, body.as_bytes()).await
            }
            Behaviour::Html502 => {
                respond(
                    &mut stream,
                    "502 Bad Gateway",
                    &[("content-type", "text/html".to_owned())],
                    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
                )
                .await
            }
            Behaviour::Status(status, body) => {
                respond(
                    &mut stream,
                    &status,
                    &[("content-type", "application/json".to_owned())],
                    body.as_bytes(),
                )
                .await
            }
            Behaviour::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
        };
        if result.is_err() {
            return;
        }
    }
}

fn is_chain_id_request(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v["method"] == "eth_chainId")
}

fn quantity(v: &serde_json::Value) -> Option<u64> {
    u64::from_str_radix(v.as_str()?.trim_start_matches("0x"), 16).ok()
}

/// When `request` holds an `eth_call` with a state override: those calls refused with the
/// error geth gives a parameter it cannot read, the others answered by the node; `None` when
/// there is no such call (forward the request as it is).
async fn refuse_overrides(shared: &Shared, request: &[u8]) -> Option<String> {
    let request: serde_json::Value = serde_json::from_slice(request).ok()?;
    let (items, batch) = match request {
        serde_json::Value::Array(items) => (items, true),
        one => (vec![one], false),
    };
    let overrides = |r: &serde_json::Value| {
        r["method"] == "eth_call" && r["params"].as_array().is_some_and(|p| p.len() >= 3)
    };
    if !items.iter().any(overrides) {
        return None;
    }
    let mut answers = Vec::with_capacity(items.len());
    for item in &items {
        if overrides(item) {
            answers.push(serde_json::json!({"jsonrpc": "2.0", "id": item["id"], "error": {"code": -32602, "message": "invalid argument 2: json: cannot unmarshal object into Go value of type string"}}));
            continue;
        }
        let answer = shared
            .client
            .post(&shared.upstream)
            .header("content-type", "application/json")
            .body(item.to_string())
            .send()
            .await
            .ok()?
            .json::<serde_json::Value>()
            .await
            .ok()?;
        answers.push(answer);
    }
    Some(if batch {
        serde_json::Value::Array(answers).to_string()
    } else {
        answers[0].to_string()
    })
}

/// A batch answer (a JSON array) reordered, with a duplicate, or with a stranger's answer.
fn edit_batch(answer: &[u8], how: &Behaviour) -> Vec<u8> {
    let Ok(serde_json::Value::Array(mut items)) = serde_json::from_slice(answer) else {
        return answer.to_vec();
    };
    match how {
        Behaviour::ReversedBatch => items.reverse(),
        Behaviour::DuplicatedAnswer if !items.is_empty() => items.push(items[0].clone()),
        Behaviour::StrangerAnswer => {
            items.push(serde_json::json!({"jsonrpc": "2.0", "id": 999_999, "result": "0x1"}))
        }
        _ => {}
    }
    serde_json::to_vec(&items).unwrap_or_else(|_| answer.to_vec())
}

/// The `result` of every answer to a `method` call in `answer`, changed by `edit`.
fn edit_answers(
    request: &[u8],
    answer: &[u8],
    method: &str,
    edit: impl Fn(&mut serde_json::Value),
) -> Vec<u8> {
    let (Ok(request), Ok(mut answer)) = (
        serde_json::from_slice::<serde_json::Value>(request),
        serde_json::from_slice::<serde_json::Value>(answer),
    ) else {
        return answer.to_vec();
    };
    let requests: Vec<serde_json::Value> = match request {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    let items: Vec<&mut serde_json::Value> = match &mut answer {
        serde_json::Value::Array(items) => items.iter_mut().collect(),
        one => vec![one],
    };
    for item in items {
        if requests
            .iter()
            .any(|r| r["id"] == item["id"] && r["method"] == method)
            && let Some(result) = item.get_mut("result")
        {
            edit(result);
        }
    }
    answer.to_string().into_bytes()
}

/// Applies the getLogs limits to anvil's answer, item by item, as a public node would.
fn limit_logs(shared: &Shared, request: &[u8], answer: &[u8]) -> Option<Vec<u8>> {
    let request: serde_json::Value = serde_json::from_slice(request).ok()?;
    let mut answer: serde_json::Value = serde_json::from_slice(answer).ok()?;
    let requests: Vec<serde_json::Value> = match &request {
        serde_json::Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let limit = *shared.logs_limit.lock().unwrap();
    let history_floor = *shared.history_floor.lock().unwrap();
    let state_floor = *shared.state_floor.lock().unwrap();
    let items: Vec<&mut serde_json::Value> = match &mut answer {
        serde_json::Value::Array(items) => items.iter_mut().collect(),
        one => vec![one],
    };
    for item in items {
        let Some(req) = requests.iter().find(|r| r["id"] == item["id"]) else {
            continue;
        };
        if req["method"] == "eth_getCode"
            && let (Some(floor), Some(at)) = (state_floor, quantity(&req["params"][1]))
            && at < floor
        {
            let id = item["id"].clone();
            *item = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": format!("missing trie node: state at block {at} is not available")}});
            continue;
        }
        if req["method"] != "eth_getLogs" {
            continue;
        }
        let (from, to) = (
            quantity(&req["params"][0]["fromBlock"])?,
            quantity(&req["params"][0]["toBlock"])?,
        );
        shared.log_ranges.lock().unwrap().push((from, to));
        if let Some((floor, loss)) = history_floor
            && from < floor
        {
            let id = item["id"].clone();
            match loss {
                HistoryLoss::Pruned => {
                    *item = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": 4444, "message": "pruned history unavailable"}});
                    continue;
                }
                HistoryLoss::Silent => {
                    if let Some(logs) = item["result"].as_array_mut() {
                        logs.retain(|log| {
                            quantity(&log["blockNumber"]).is_some_and(|b| b >= floor)
                        });
                    }
                }
            }
        }
        let Some((max_range, max_results)) = limit else {
            continue;
        };
        let error = if to - from + 1 > max_range {
            Some(
                serde_json::json!({"code": -32602, "message": format!("block range is too large: max {max_range} blocks")}),
            )
        } else if item["result"]
            .as_array()
            .is_some_and(|logs| logs.len() > max_results)
        {
            Some(
                serde_json::json!({"code": -32005, "message": format!("query returned more than {max_results} results")}),
            )
        } else {
            None
        };
        if let Some(error) = error {
            let id = item["id"].clone();
            *item = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": error});
        }
    }
    Some(answer.to_string().into_bytes())
}

/// Every `eth_call` result in `answer` that decodes as an aggregate3 answer (of two results or
/// more), changed by `edit`.
fn edit_aggregates(
    answer: &[u8],
    edit: impl Fn(&mut Vec<popwatch::abi::IMulticall3::Result>),
) -> Vec<u8> {
    use alloy::primitives::Bytes;
    use alloy::sol_types::SolCall;
    use popwatch::abi::IMulticall3::aggregate3Call;
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(answer) else {
        return answer.to_vec();
    };
    let shorten = |item: &mut serde_json::Value| {
        let Some(raw) = item["result"]
            .as_str()
            .and_then(|hex| hex.parse::<Bytes>().ok())
        else {
            return;
        };
        if let Ok(mut results) = aggregate3Call::abi_decode_returns(&raw)
            && results.len() > 1
        {
            edit(&mut results);
            item["result"] =
                serde_json::json!(Bytes::from(aggregate3Call::abi_encode_returns(&results)));
        }
    };
    match &mut value {
        serde_json::Value::Array(items) => items.iter_mut().for_each(shorten),
        single => shorten(single),
    }
    serde_json::to_vec(&value).unwrap_or_else(|_| answer.to_vec())
}
