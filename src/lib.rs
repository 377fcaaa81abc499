//! popwatch: a terminal app that watches Ethereum wallets holding POP Network Token.
//!
//! Data flows one way: sources (`source`) send typed `Update`s, `state::AppState::apply`
//! folds them into the state, and front ends (`snapshot`, later the TUI and `events`) only
//! read it.

pub mod abi;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod dirs;
pub mod events;
pub mod exit;
pub mod flags;
pub mod format;
pub mod fsutil;
pub mod history;
pub mod logging;
pub mod monitor;
pub mod net;
pub mod signals;
pub mod snapshot;
pub mod sources;
pub mod state;
pub mod tui;
