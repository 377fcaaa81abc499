//! Where the index starts: the token contract's deployment block, found by bisection over
//! `eth_getCode` at past blocks (about 25 requests on mainnet, once: the answer is kept), where
//! an endpoint serves past state; else `[token] start_block`; else the chain's first block,
//! saying why.

use std::collections::HashSet;

use alloy::primitives::Address;
use serde_json::json;

use crate::sources::chain::ChainError;
use crate::sources::chain::rpc::{RpcCall, RpcClient};

/// Where the start block came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartSource {
    /// The block the contract's code first appears at.
    Deployment,
    /// `[token] start_block`, because past state could not be read (why).
    Configured(String),
    /// The chain's first block, because neither was available (why).
    Earliest(String),
}

impl StartSource {
    /// For the user: which start was used and why.
    pub fn describe(&self) -> String {
        match self {
            StartSource::Deployment => {
                "the contract's deployment block (found by eth_getCode)".into()
            }
            StartSource::Configured(why) => format!("[token] start_block ({why})"),
            StartSource::Earliest(why) => {
                format!("the chain's first block ({why}; set [token] start_block to start later)")
            }
        }
    }
}

/// Whether the token has code at `block`; `Err` with the node's words when the endpoint does
/// not serve state there.
async fn has_code(rpc: &RpcClient, token: Address, block: u64) -> Result<bool, String> {
    let call = RpcCall::new("eth_getCode", json!([token, format!("0x{block:x}")]));
    let (answers, _) = rpc
        .call_many(&[call], &HashSet::new())
        .await
        .map_err(|e| e.to_string())?;
    match answers.into_iter().next() {
        Some(Ok(code)) => Ok(code.as_str().is_some_and(|c| c.len() > 2)),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("no answer".into()),
    }
}

/// The chain's first block (0 on mainnet; a devnet may start later).
async fn earliest_block(rpc: &RpcClient) -> Result<u64, ChainError> {
    let call = RpcCall::new("eth_getBlockByNumber", json!(["earliest", false]));
    let (answers, _) = rpc.call_many(&[call], &HashSet::new()).await?;
    Ok(answers
        .into_iter()
        .next()
        .and_then(Result::ok)
        .and_then(|b| crate::sources::chain::rpc::parse_quantity(&b["number"]))
        .unwrap_or(0))
}

/// The first block with the token's code, and the requests it took; or where to start instead.
pub async fn find(
    rpc: &RpcClient,
    token: Address,
    head: u64,
    configured: Option<u64>,
) -> Result<(u64, StartSource), ChainError> {
    let earliest = earliest_block(rpc).await?;
    let fallback = |why: String| match configured {
        Some(block) => (block, StartSource::Configured(why)),
        None => (earliest, StartSource::Earliest(why)),
    };
    match has_code(rpc, token, head).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(ChainError::Call(format!(
                "the token {token} has no code at block {head}"
            )));
        }
        Err(why) => return Ok(fallback(format!("eth_getCode failed: {why}"))),
    }
    let past = |why: String| fallback(format!("the endpoints serve no past state: {why}"));
    let (mut lo, mut hi) = (earliest, head);
    match has_code(rpc, token, lo).await {
        Ok(true) => return Ok((earliest, StartSource::Deployment)),
        Ok(false) => {}
        Err(why) => return Ok(past(why)),
    }
    // Invariant: no code at `lo`, code at `hi`.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match has_code(rpc, token, mid).await {
            Ok(true) => hi = mid,
            Ok(false) => lo = mid,
            Err(why) => return Ok(past(why)),
        }
    }
    Ok((hi, StartSource::Deployment))
}
