//! A real local Ethereum for tests, benchmarks and people: anvil, started on a free port and
//! killed when its handle drops.

mod anvil;

pub use anvil::{Anvil, AnvilError, tools_bin_dir};
