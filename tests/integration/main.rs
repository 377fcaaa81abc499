//! popwatch's integration tests, one binary (one link of the crate instead of twenty): a
//! module per subject, helpers in `support/`, fixtures in `tests/fixtures/`. Tests that need
//! anvil, tmux or root are `#[ignore]`d so that a plain `cargo test` runs anywhere; the
//! README's test command (`scripts/test`) runs them too. TESTING.md says what each proves.

mod support;

mod alerts;
mod anvil_smoke;
mod chain;
mod cli;
mod config_files;
mod containment;
mod demo;
mod devnet;
mod drivers;
mod durability;
mod ens;
mod exits;
mod faults;
mod flags;
mod fuzz;
mod golden;
mod history;
mod holders;
mod hostile;
mod index;
mod layout;
mod logs;
mod market;
mod migrations;
mod readme;
mod schema;
mod sell_checks;
mod snapshot_devnet;
mod soak;
mod terminal;
mod tui;
