//! The token's log index: every Transfer and Approval of the token and every trade event of
//! its pools, from the contract's deployment on, kept in the history file (the caller opens it:
//! the history module sits above the sources) and extended by the chain source at every
//! refresh (`driver`). Where it starts (`start`), how it is read (`scan`), how it is kept
//! (`store`), what it proves (`replay`).

pub mod driver;
pub mod holders;
pub mod log;
pub mod replay;
pub mod scan;
pub mod start;
pub mod store;

pub use driver::{ChainIndex, REFRESH_BUDGET};
pub use log::{IndexedLog, Transfer};
pub use replay::{Completeness, Replay, judge, replay};
pub use scan::{Extended, IndexSettings, Indexer, Target};
pub use start::StartSource;
pub use store::{IndexStore, Range};
