//! JSON-RPC over HTTP to several endpoints, robust to the ways public endpoints misbehave.

mod breaker;
mod client;
mod gate;
mod http;

pub use client::{
    AllFailed, CallError, CallResult, EndpointStatus, Refusal, RpcCall, RpcClient, StatsSnapshot,
    parse_quantity, parse_responses, rate_limit_in_body,
};
pub use http::{
    Fault, MAX_SERVER_WAIT, excerpt, looks_html, parse_retry_after, retry_after_header,
    server_wait_secs,
};
