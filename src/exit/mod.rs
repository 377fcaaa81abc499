//! What a sale would really fetch, as pure maths on integers (no I/O, nothing of `chain/`):
//! exact quotes per venue and V3 stepping (`quote`), the best split across pools, and from a
//! chain reading each wallet's exit net of gas, the portfolio's exit, ladders and depth
//! (`compute`). The chain source reads; this folder computes.

pub mod compute;
pub mod quote;
