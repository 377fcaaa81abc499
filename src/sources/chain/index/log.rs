//! One log as the index keeps it, read from a node's `eth_getLogs` answer with every field
//! checked and bounded: a node's answer is not trusted to be well formed or small.

use alloy::primitives::{Address, B256, Bytes, U256};
use serde_json::Value;

use crate::sources::chain::rpc::parse_quantity;

/// The largest `data` kept: the events indexed carry at most a few hundred bytes (V3's `Mint`
/// 160), so a larger one is not one of them.
pub const MAX_DATA_BYTES: usize = 1024;

/// keccak256("Transfer(address,address,uint256)")
pub const TRANSFER: B256 =
    alloy::primitives::b256!("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedLog {
    pub block: u64,
    pub log_index: u64,
    /// Its block's hash: a reorg that replaced the block is told by it.
    pub block_hash: B256,
    pub tx: B256,
    /// The contract that emitted it.
    pub emitter: Address,
    /// One to four topics; the first is the event's signature hash.
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// A Transfer of the token, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub block: u64,
    pub log_index: u64,
    pub tx: B256,
    pub from: Address,
    pub to: Address,
    pub amount: U256,
}

impl Transfer {
    /// The Transfer as the state shows it, its block's time where known.
    pub fn seen(
        &self,
        time: Option<time::OffsetDateTime>,
    ) -> crate::state::transfers::TransferSeen {
        crate::state::transfers::TransferSeen {
            block: self.block,
            time,
            tx: self.tx,
            log_index: self.log_index,
            from: self.from,
            to: self.to,
            amount: self.amount,
            tx_sender: None,
        }
    }
}

impl IndexedLog {
    /// The log of a node's answer; `None` for one a reorg removed (`"removed": true`);
    /// an error naming the field that is missing or malformed.
    pub fn from_json(log: &Value) -> Result<Option<Self>, String> {
        if log.get("removed").and_then(Value::as_bool) == Some(true) {
            return Ok(None);
        }
        let field = |name: &str| {
            log.get(name)
                .ok_or_else(|| format!("a log without `{name}`"))
        };
        let quantity = |name: &str| {
            field(name).and_then(|v| {
                parse_quantity(v).ok_or_else(|| format!("a log's `{name}` is not a number"))
            })
        };
        let hash = |name: &str| {
            field(name).and_then(|v| {
                serde_json::from_value::<B256>(v.clone())
                    .map_err(|_| format!("a log's `{name}` is not a 32-byte hash"))
            })
        };
        let topics: Vec<B256> = field("topics")?
            .as_array()
            .ok_or("a log's `topics` is not a list")?
            .iter()
            .map(|t| serde_json::from_value::<B256>(t.clone()))
            .collect::<Result<_, _>>()
            .map_err(|_| "a log's topic is not a 32-byte hash".to_owned())?;
        if topics.is_empty() || topics.len() > 4 {
            return Err(format!(
                "a log with {} topics (1 to 4 expected)",
                topics.len()
            ));
        }
        let data_text = field("data")?
            .as_str()
            .ok_or("a log's `data` is not text")?;
        if data_text.len() > 2 + 2 * MAX_DATA_BYTES {
            return Err(format!("a log's data is over {MAX_DATA_BYTES} bytes"));
        }
        let data: Bytes = data_text
            .parse()
            .map_err(|_| "a log's `data` is not hex".to_owned())?;
        Ok(Some(Self {
            block: quantity("blockNumber")?,
            log_index: quantity("logIndex")?,
            block_hash: hash("blockHash")?,
            tx: hash("transactionHash")?,
            emitter: serde_json::from_value(field("address")?.clone())
                .map_err(|_| "a log's `address` is not an address".to_owned())?,
            topics,
            data,
        }))
    }

    /// The log in the JSON shape of `eth_getLogs` (for what reads logs as a node gives them).
    pub fn to_json(&self) -> Value {
        let topics: Vec<String> = self.topics.iter().map(|t| format!("{t}")).collect();
        serde_json::json!({
            "address": format!("{:#x}", self.emitter),
            "topics": topics,
            "data": format!("{}", self.data),
            "blockNumber": format!("0x{:x}", self.block),
            "logIndex": format!("0x{:x}", self.log_index),
            "transactionHash": format!("{}", self.tx),
            "blockHash": format!("{}", self.block_hash),
        })
    }

    /// The Transfer it is, if it is one of `token`'s (three topics, the amount in data).
    pub fn transfer(&self, token: Address) -> Option<Transfer> {
        if self.emitter != token || self.topics.len() != 3 || self.topics[0] != TRANSFER {
            return None;
        }
        Some(Transfer {
            block: self.block,
            log_index: self.log_index,
            tx: self.tx,
            from: Address::from_slice(&self.topics[1][12..]),
            to: Address::from_slice(&self.topics[2][12..]),
            amount: U256::from_be_slice(self.data.get(..32)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(data: &str) -> Value {
        json!({
            "address": "0x5d858bcd53e085920620549214a8b27ce2f04670",
            "topics": [
                format!("{TRANSFER}"),
                "0x0000000000000000000000001111111111111111111111111111111111111111",
                "0x0000000000000000000000002222222222222222222222222222222222222222"
            ],
            "data": data,
            "blockNumber": "0x10", "logIndex": "0x2",
            "blockHash": format!("0x{}", "ab".repeat(32)),
            "transactionHash": format!("0x{}", "cd".repeat(32)),
        })
    }

    #[test]
    fn a_transfer_is_read_and_a_malformed_or_oversized_log_refused_by_name() {
        let token: Address = "0x5d858bcd53e085920620549214a8b27ce2f04670"
            .parse()
            .unwrap();
        let read = IndexedLog::from_json(&log(&format!("0x{:064x}", 7)))
            .unwrap()
            .unwrap();
        let t = read.transfer(token).unwrap();
        assert_eq!((t.block, t.log_index, t.amount), (16, 2, U256::from(7)));
        assert_eq!(t.from, Address::repeat_byte(0x11));
        assert!(read.transfer(Address::ZERO).is_none(), "another emitter's");
        assert_eq!(
            IndexedLog::from_json(&read.to_json()).unwrap().unwrap(),
            read,
            "the JSON it gives reads back the same"
        );

        let mut removed = log("0x");
        removed["removed"] = json!(true);
        assert_eq!(IndexedLog::from_json(&removed).unwrap(), None);
        let huge = format!("0x{}", "00".repeat(MAX_DATA_BYTES + 1));
        assert!(
            IndexedLog::from_json(&log(&huge))
                .unwrap_err()
                .contains("over")
        );
        let mut no_block = log("0x");
        no_block.as_object_mut().unwrap().remove("blockNumber");
        assert!(
            IndexedLog::from_json(&no_block)
                .unwrap_err()
                .contains("blockNumber")
        );
    }
}
