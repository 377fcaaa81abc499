//! Multicall3 `aggregate3`: many reads in one `eth_call`, each allowed to fail on its own.

use alloy::primitives::{Address, Bytes};
use alloy::sol_types::SolCall;
use serde_json::json;

use super::rpc::RpcCall;
use crate::abi::IMulticall3;

/// One read inside an aggregate3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub target: Address,
    pub data: Bytes,
}

impl Read {
    pub fn new(target: Address, call: impl SolCall) -> Self {
        Self {
            target,
            data: call.abi_encode().into(),
        }
    }
}

/// The outcome of one read: `None` when it reverted.
pub type ReadResult = Option<Bytes>;

/// The block a read is made at: the head, or a pinned number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Latest,
    Block(u64),
}

impl At {
    fn tag(self) -> serde_json::Value {
        match self {
            At::Latest => json!("latest"),
            At::Block(n) => json!(format!("0x{n:x}")),
        }
    }
}

/// The `eth_call` of one aggregate3 over `reads`.
pub fn aggregate3_call(multicall: Address, reads: &[Read], at: At) -> RpcCall {
    let calls = reads
        .iter()
        .map(|r| IMulticall3::Call3 {
            target: r.target,
            allowFailure: true,
            callData: r.data.clone(),
        })
        .collect();
    let data = Bytes::from(IMulticall3::aggregate3Call { calls }.abi_encode());
    RpcCall::new(
        "eth_call",
        json!([{"to": multicall, "data": data}, at.tag()]),
    )
}

/// Decodes an aggregate3 answer. An empty answer means no contract at the Multicall3 address.
pub fn decode_aggregate3(raw: &Bytes) -> Result<Vec<ReadResult>, String> {
    if raw.is_empty() {
        return Err("empty answer".to_owned());
    }
    let results =
        IMulticall3::aggregate3Call::abi_decode_returns(raw).map_err(|e| e.to_string())?;
    Ok(results
        .into_iter()
        .map(|r| r.success.then_some(r.returnData))
        .collect())
}
