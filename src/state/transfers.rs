//! Transfer and Approval history as plain data: per wallet, its last moves and open approvals;
//! for the token, its last Transfer at all.

use alloy::primitives::{Address, B256, U256};
use time::OffsetDateTime;

/// One Transfer as a wallet saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferSeen {
    pub block: u64,
    pub time: Option<OffsetDateTime>,
    pub tx: B256,
    pub log_index: u64,
    pub from: Address,
    pub to: Address,
    pub amount: U256,
    /// For a zero-value transfer: who sent the transaction (a spoofed `transferFrom` is sent
    /// by someone else than the `from` it names).
    pub tx_sender: Option<Address>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WalletHistory {
    pub address: Address,
    pub last_in: Option<TransferSeen>,
    pub last_out: Option<TransferSeen>,
    /// Every transfer touching the wallet in the scanned window, oldest first.
    pub transfers: Vec<TransferSeen>,
    /// Spenders with a non-zero allowance right now, and that allowance.
    pub approvals: Vec<(Address, U256)>,
}

impl WalletHistory {
    /// The latest Transfer touching the wallet, in or out, zero-value ones included.
    pub fn last_transfer_at(&self) -> Option<OffsetDateTime> {
        [&self.last_in, &self.last_out]
            .into_iter()
            .flatten()
            .max_by_key(|t| (t.block, t.log_index))
            .and_then(|t| t.time)
    }
}

/// What one log scan found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogReading {
    /// The last block processed.
    pub block: u64,
    pub wallets: Vec<WalletHistory>,
    /// The token's latest Transfer of all, if any in the scanned window.
    pub latest_transfer: Option<TransferSeen>,
    /// The time of the scanned window's first block: the scan has seen every Transfer since.
    pub covered_since: Option<OffsetDateTime>,
    /// Whether the window starts at the chain's first block (it has seen every Transfer).
    pub from_first_block: bool,
    /// eth_getLogs calls this scan took (for tests and the debug log).
    pub get_logs_calls: u64,
}

/// What the token's log index holds and proves (the chain source's index).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSummary {
    pub start_block: u64,
    /// Where the start block came from, for the user.
    pub start_source: String,
    pub completeness: Completeness,
    pub logs: u64,
    pub transfers: u64,
    /// Addresses holding a non-zero replayed balance.
    pub holders: usize,
    pub first_transfer: Option<TransferSeen>,
    pub last_transfer: Option<TransferSeen>,
}

/// How much of the token's history the index proves it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completeness {
    /// Every Transfer from the start block to `to`: the replayed balances sum to totalSupply.
    Complete { to: u64 },
    /// Not proven complete: what the index holds runs from `from` (contiguously to the head
    /// read), and why it is not the whole history.
    Partial { from: Option<u64>, reason: String },
}

/// How far an extension of the index has gone, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexProgress {
    pub blocks_done: u64,
    pub blocks_total: u64,
    pub logs: u64,
    pub requests: u64,
    /// At the pace so far.
    pub eta: Option<std::time::Duration>,
}
