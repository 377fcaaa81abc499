//! "Can it actually sell?": the sale of each wallet's balance through its exit, simulated from
//! the wallet with `eth_call` and a state override granting the router its allowance. A
//! paused, blacklisting or fee-on-transfer token shows here, before the holder pays for it.

use std::sync::Mutex;

use alloy::primitives::{Address, B256, Bytes, U256, aliases::U24, keccak256};
use alloy::sol_types::{SolCall, SolValue};
use serde_json::{Value, json};

use super::reader::ChainReader;
use super::rpc::{CallResult, RpcCall};
use crate::abi::{IERC20, ISwapRouter, IUniswapV1Exchange, IUniswapV2Router02};
use crate::state::exits::{ExitReading, Leg, SellCheck, Venue};

/// Storage slots tried for the token's `allowance` mapping (Solidity lays mappings out by
/// declaration order; most ERC-20s declare it within the first few).
const SLOTS_TRIED: u64 = 12;
/// From this many simulated sales on, they go out as two requests side by side.
const SPLIT_FROM: usize = 64;
const MARKER: U256 = U256::from_limbs([0x5eed_5eed, 0, 0, 0x0f0f]);

/// Where a token keeps `allowance[owner][spender]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowanceLayout {
    slot: u64,
    /// Mapping nesting: `mapping(owner => mapping(spender => ..))` (the usual) or reversed.
    owner_first: bool,
}

impl AllowanceLayout {
    fn key(self, owner: Address, spender: Address) -> B256 {
        let (outer, inner) = if self.owner_first {
            (owner, spender)
        } else {
            (spender, owner)
        };
        let first = keccak256((outer, U256::from(self.slot)).abi_encode());
        keccak256((inner, first).abi_encode())
    }
}

fn override_allowance(
    token: Address,
    layout: AllowanceLayout,
    owner: Address,
    spender: Address,
    value: U256,
) -> Value {
    json!({ token.to_string(): { "stateDiff": { layout.key(owner, spender).to_string(): B256::from(value).to_string() } } })
}

fn call(
    from: Option<Address>,
    to: Address,
    data: Vec<u8>,
    block: u64,
    overrides: Value,
) -> RpcCall {
    let mut tx = json!({"to": to, "data": Bytes::from(data)});
    if let Some(from) = from {
        tx["from"] = json!(from);
    }
    RpcCall::new("eth_call", json!([tx, format!("0x{block:x}"), overrides]))
}

fn returned(result: &CallResult) -> Option<Bytes> {
    serde_json::from_value(result.as_ref().ok()?.clone()).ok()
}

/// Runs the sell checks through a reader, remembering where the token keeps its allowances
/// (its storage does not change, so it is probed once).
#[derive(Debug, Default)]
pub struct SellChecker {
    /// The allowance layout once probed: `Some(None)` when no candidate slot holds it.
    allowance_layout: Mutex<Option<Option<AllowanceLayout>>>,
}

impl SellChecker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Finds the token's allowance layout by overriding candidate slots and reading
    /// `allowance` back; cached after the first success.
    async fn allowance_layout(
        &self,
        reader: &ChainReader,
        owner: Address,
        spender: Address,
        block: u64,
    ) -> Option<AllowanceLayout> {
        if let Some(known) = *self.allowance_layout.lock().expect("not poisoned") {
            return known;
        }
        let token = reader.settings.token;
        let candidates: Vec<AllowanceLayout> = (0..SLOTS_TRIED)
            .flat_map(|slot| [true, false].map(|owner_first| AllowanceLayout { slot, owner_first }))
            .collect();
        let calls: Vec<RpcCall> = candidates
            .iter()
            .map(|&layout| {
                call(
                    None,
                    token,
                    IERC20::allowanceCall { owner, spender }.abi_encode(),
                    block,
                    override_allowance(token, layout, owner, spender, MARKER),
                )
            })
            .collect();
        let answers = reader.rpc.call_many_at(&calls, block).await.ok()?;
        let found = candidates
            .into_iter()
            .zip(&answers)
            .find_map(|(layout, answer)| {
                let bytes = returned(answer)?;
                (bytes.len() >= 32 && U256::from_be_slice(&bytes[..32]) == MARKER).then_some(layout)
            });
        // An answer (found or not) is kept; a probe that could not be sent is tried again.
        *self.allowance_layout.lock().expect("not poisoned") = Some(found);
        found
    }

    /// The spender and the call that sells `leg` from `wallet`.
    fn sale(reader: &ChainReader, wallet: Address, leg: &Leg) -> (Address, Vec<u8>) {
        let c = &reader.settings.contracts;
        let token = reader.settings.token;
        let deadline = U256::from(u64::MAX);
        match leg.venue {
            Venue::UniswapV1 => (
                leg.pool,
                IUniswapV1Exchange::tokenToEthSwapInputCall {
                    tokens_sold: leg.pop_raw,
                    min_eth: U256::from(1),
                    deadline,
                }
                .abi_encode(),
            ),
            Venue::UniswapV2 | Venue::Sushiswap => {
                let router = if leg.venue == Venue::Sushiswap {
                    c.sushiswap_v2_router
                } else {
                    c.uniswap_v2_router
                };
                (
                    router,
                    IUniswapV2Router02::swapExactTokensForETHCall {
                        amountIn: leg.pop_raw,
                        amountOutMin: U256::ZERO,
                        path: vec![token, c.weth],
                        to: wallet,
                        deadline,
                    }
                    .abi_encode(),
                )
            }
            Venue::UniswapV3 => {
                let fee = reader.v3_fee(leg.pool).unwrap_or(3000);
                (
                    c.uniswap_v3_router,
                    ISwapRouter::exactInputSingleCall {
                        params: ISwapRouter::ExactInputSingleParams {
                            tokenIn: token,
                            tokenOut: c.weth,
                            fee: U24::from(fee),
                            recipient: wallet,
                            deadline,
                            amountIn: leg.pop_raw,
                            amountOutMinimum: U256::ZERO,
                            sqrtPriceLimitX96: Default::default(),
                        },
                    }
                    .abi_encode(),
                )
            }
        }
    }

    fn received(venue: Venue, bytes: &Bytes) -> Option<U256> {
        match venue {
            Venue::UniswapV1 => {
                IUniswapV1Exchange::tokenToEthSwapInputCall::abi_decode_returns(bytes).ok()
            }
            Venue::UniswapV2 | Venue::Sushiswap => {
                IUniswapV2Router02::swapExactTokensForETHCall::abi_decode_returns(bytes)
                    .ok()
                    .and_then(|amounts| amounts.last().copied())
            }
            Venue::UniswapV3 => ISwapRouter::exactInputSingleCall::abi_decode_returns(bytes).ok(),
        }
    }

    /// Finds the token's allowance layout ahead of the first sell checks (it does not depend
    /// on the wallet or the router), so the probe runs while the exits are being computed.
    pub async fn prepare(&self, reader: &ChainReader, block: u64) {
        if let Some(&owner) = reader.settings.wallets.first() {
            let spender = reader.settings.contracts.uniswap_v2_router;
            self.allowance_layout(reader, owner, spender, block).await;
        }
    }

    /// The answers to `calls`, in order. Many go out as two requests side by side: a node
    /// runs one request's calls one after another, so two halves finish in about half the
    /// time (1,000 simulated sales on the devnet: ~50 ms in one request).
    /// Only a node that has reached `block` answers (a lagging one would fail every sale with
    /// an error about the block, not the token).
    async fn simulate(
        reader: &ChainReader,
        calls: &[RpcCall],
        block: u64,
    ) -> Option<Vec<CallResult>> {
        if calls.len() < SPLIT_FROM {
            return reader.rpc.call_many_at(calls, block).await.ok();
        }
        let (first, second) = calls.split_at(calls.len() / 2);
        let (first, second) = futures::future::join(
            reader.rpc.call_many_at(first, block),
            reader.rpc.call_many_at(second, block),
        )
        .await;
        let mut answers = first.ok()?;
        answers.extend(second.ok()?);
        Some(answers)
    }

    /// Simulates every wallet's exit from the wallet at `block`, filling `sell_check`.
    pub async fn check(&self, reader: &ChainReader, exits: &mut ExitReading, block: u64) {
        let token = reader.settings.token;
        let mut calls = Vec::new();
        let mut owners = Vec::new();
        for (w, wallet) in exits.wallets.iter().enumerate() {
            let Some(exit) = &wallet.exit else { continue };
            for (l, leg) in exit.legs.iter().enumerate() {
                let (spender, data) = Self::sale(reader, wallet.address, leg);
                let Some(layout) = self
                    .allowance_layout(reader, wallet.address, spender, block)
                    .await
                else {
                    tracing::info!("no allowance slot found for the token: sell checks skipped");
                    return;
                };
                calls.push(call(
                    Some(wallet.address),
                    spender,
                    data,
                    block,
                    override_allowance(token, layout, wallet.address, spender, U256::MAX),
                ));
                owners.push((w, l));
            }
        }
        if calls.is_empty() {
            return;
        }
        let Some(answers) = Self::simulate(reader, &calls, block).await else {
            tracing::warn!("sell checks could not be sent");
            return;
        };
        let mut problems: Vec<Vec<String>> = vec![Vec::new(); exits.wallets.len()];
        for ((w, l), answer) in owners.iter().zip(&answers) {
            let exit = exits.wallets[*w]
                .exit
                .as_ref()
                .expect("only wallets with an exit");
            let leg = &exit.legs[*l];
            let problem = match answer {
                Err(e) => Some(format!("{}: reverts ({})", leg.venue.label(), e.message)),
                Ok(_) => match returned(answer).and_then(|b| Self::received(leg.venue, &b)) {
                    Some(got) if got < leg.eth_out_wei => Some(format!(
                        "{}: received less than quoted ({got} < {} wei): a fee on transfer?",
                        leg.venue.label(),
                        leg.eth_out_wei
                    )),
                    Some(_) => None,
                    None => Some(format!(
                        "{}: the sale answered nothing readable",
                        leg.venue.label()
                    )),
                },
            };
            problems[*w].extend(problem);
        }
        for (w, wallet) in exits.wallets.iter_mut().enumerate() {
            let Some(exit) = &wallet.exit else { continue };
            wallet.sell_check = Some(if problems[w].is_empty() {
                SellCheck {
                    ok: true,
                    detail: format!(
                        "a sale of the whole balance through {} succeeds in simulation",
                        exit.venue_name()
                    ),
                }
            } else {
                SellCheck {
                    ok: false,
                    detail: crate::format::sanitize(&problems[w].join("; ")),
                }
            });
        }
    }
}
