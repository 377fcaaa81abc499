//! What a sale would really fetch, as pure maths on integers (no I/O, nothing of `chain/`):
//! exact quotes per venue and V3 stepping (`quote`), the best split across pools, and from a
//! chain reading each wallet's exit net of gas, ladders and depth (`compute`, over the pool
//! model and gas of `model`), and the portfolio's exit as a plan of each wallet's sales
//! (`plan`). The chain source reads; this folder computes.

pub mod compute;
pub mod model;
pub mod plan;
pub mod quote;
