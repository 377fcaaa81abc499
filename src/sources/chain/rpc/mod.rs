//! JSON-RPC over HTTP to several endpoints, robust to the ways public endpoints misbehave.

mod breaker;
mod client;
mod http;

pub use client::{
    AllFailed, CallError, CallResult, EndpointStatus, Refusal, RpcCall, RpcClient, StatsSnapshot,
    parse_quantity, parse_responses,
};
pub use http::{Fault, excerpt, looks_html, parse_retry_after, retry_after_header};
