//! popwatch: a terminal app that watches Ethereum wallets holding POP Network Token.
//!
//! Data flows one way: sources (`sources`) send typed `Update`s; the monitor (`monitor`)
//! applies them to the state (`state::AppState::apply`) and settles each finished refresh into
//! flags, events, alerts and history; the front ends (the terminal app in `tui`, `popwatch
//! events` and `snapshot` in `cmd`) only read it.

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
pub mod wallets;
