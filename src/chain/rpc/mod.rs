//! JSON-RPC over HTTP to several endpoints, robust to the ways public endpoints misbehave.

mod breaker;
mod client;
mod http;

pub use client::{
    AllFailed, CallError, CallResult, EndpointStatus, Refusal, RpcCall, RpcClient, StatsSnapshot,
    parse_quantity,
};
pub use http::{Fault, parse_retry_after};
