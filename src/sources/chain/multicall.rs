//! Multicall3 `aggregate3`: many reads in one `eth_call`, each allowed to fail on its own.

use alloy::primitives::{Address, Bytes};
use alloy::sol_types::SolCall;

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
    /// The block parameter as JSON text.
    fn json_text(self) -> String {
        match self {
            At::Latest => r#""latest""#.to_owned(),
            At::Block(n) => format!(r#""0x{n:x}""#),
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
    let data = IMulticall3::aggregate3Call { calls }.abi_encode();
    // The params are written as JSON text straight from the calldata: going through a
    // `Value` would hold the hex of a thousand wallets' reads twice more.
    let head = format!(r#"[{{"to":"{multicall}","data":"0x"#);
    let tail = format!(r#""}},{}]"#, at.json_text());
    let mut text = Vec::with_capacity(head.len() + data.len() * 2 + tail.len());
    text.extend_from_slice(head.as_bytes());
    let hex_start = text.len();
    text.resize(hex_start + data.len() * 2, 0);
    alloy::hex::encode_to_slice(&data, &mut text[hex_start..]).expect("sized for the hex");
    text.extend_from_slice(tail.as_bytes());
    RpcCall::from_json_text(
        "eth_call",
        String::from_utf8(text).expect("JSON text is ASCII"),
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
