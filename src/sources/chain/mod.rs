//! The chain: a robust JSON-RPC client over several endpoints, Multicall3 batching, and the
//! chain source that reads token facts, balances and the ETH/USD feed into `Update`s.

mod allowances;
pub mod ens;
pub mod head;
pub mod index;
pub mod logs;
pub mod multicall;
pub mod pools;
mod reader;
pub mod rpc;
mod sell_check;
mod source;

pub use reader::{
    ChainError, ChainReader, MAX_TOKEN_TEXT, ReadOutcome, ReaderSettings, decode_text,
};
pub use sell_check::SellChecker;
pub use source::ChainSource;
