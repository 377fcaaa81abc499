//! "Can it actually sell?": the sale of each wallet's balance through its exit, simulated from
//! the wallet with `eth_call` and a state override granting the router its allowance. A
//! paused, blacklisting or fee-on-transfer token shows here, before the holder pays for it.

use std::sync::Mutex;

use alloy::primitives::{Address, B256, Bytes, U256, aliases::U24, keccak256};
use alloy::sol_types::{SolCall, SolValue};
use serde_json::{Value, json};

use super::reader::ChainReader;
use super::rpc::{CallError, CallResult, RpcCall};
use crate::abi::{IERC20, ISwapRouter, IUniswapV1Exchange, IUniswapV2Router02};
use crate::format::sanitize;
use crate::state::exits::{ExitReading, Leg, SellCheck, SellOutcome, Venue};

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

/// What the allowance probe found.
enum Probe {
    Found(AllowanceLayout),
    /// No candidate slot holds the allowance (a non-standard token): remembered.
    Absent,
    /// The node did not answer: tried again next time.
    Failed(String),
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
    ) -> Probe {
        if let Some(known) = *self.allowance_layout.lock().expect("not poisoned") {
            return known.map_or(Probe::Absent, Probe::Found);
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
        let answers = match reader.rpc.call_many_at(&calls, block).await {
            Ok(answers) => answers,
            // Not remembered: a node error says nothing about the token's storage.
            Err(e) => return Probe::Failed(e.to_string()),
        };
        if let Some(e) = answers
            .iter()
            .find_map(|a| a.as_ref().err())
            .filter(|e| !is_revert(e))
        {
            return Probe::Failed(e.message.clone());
        }
        let found = candidates
            .into_iter()
            .zip(&answers)
            .find_map(|(layout, answer)| {
                let bytes = returned(answer)?;
                (bytes.len() >= 32 && U256::from_be_slice(&bytes[..32]) == MARKER).then_some(layout)
            });
        // An answer (found or not) is kept; a probe that could not be sent is tried again.
        *self.allowance_layout.lock().expect("not poisoned") = Some(found);
        found.map_or(Probe::Absent, Probe::Found)
    }

    /// The spender and the call that sells `leg` from `wallet`.
    fn sale(reader: &ChainReader, wallet: Address, leg: &Leg) -> (Address, Vec<u8>) {
        let c = &reader.settings.contracts;
        let token = reader.settings.token;
        let deadline = U256::from(u64::MAX);
        let spender = super::pools::spender(leg.venue, leg.pool, c);
        let call = match leg.venue {
            Venue::UniswapV1 => IUniswapV1Exchange::tokenToEthSwapInputCall {
                tokens_sold: leg.pop_raw,
                min_eth: U256::from(1),
                deadline,
            }
            .abi_encode(),
            Venue::UniswapV2 | Venue::Sushiswap => IUniswapV2Router02::swapExactTokensForETHCall {
                amountIn: leg.pop_raw,
                amountOutMin: U256::ZERO,
                path: vec![token, c.weth],
                to: wallet,
                deadline,
            }
            .abi_encode(),
            Venue::UniswapV3 => {
                let fee = reader.v3_fee(leg.pool).unwrap_or(3000);
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
                .abi_encode()
            }
        };
        (spender, call)
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
            let _ = self.allowance_layout(reader, owner, spender, block).await;
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

    /// Simulates every wallet's exit from the wallet at `block`, filling `sell_check`. Only a
    /// sale the token makes fail is a failure; what could not be checked says why.
    pub async fn check(&self, reader: &ChainReader, exits: &mut ExitReading, block: u64) {
        let token = reader.settings.token;
        let due: Vec<usize> = (0..exits.wallets.len())
            .filter(|&w| exits.wallets[w].exit.is_some() && exits.wallets[w].sell_check.is_none())
            .collect();
        if due.is_empty() {
            return;
        }
        let not_evaluated = |exits: &mut ExitReading, why: &str| {
            for &w in &due {
                exits.wallets[w].sell_check =
                    Some(SellCheck::new(SellOutcome::NotEvaluated, sanitize(why)));
            }
        };
        // Every contract a sale goes through, and whether each wallet is a contract.
        let mut spenders: Vec<Address> = Vec::new();
        for &w in &due {
            let wallet = &exits.wallets[w];
            for leg in &wallet.exit.as_ref().expect("due wallets have an exit").legs {
                let (spender, _) = Self::sale(reader, wallet.address, leg);
                if !spenders.contains(&spender) {
                    spenders.push(spender);
                }
            }
        }
        let wallets: Vec<Address> = due.iter().map(|&w| exits.wallets[w].address).collect();
        let codes = match Self::have_code(reader, &spenders, &wallets, block).await {
            Ok(codes) => codes,
            Err(why) => return not_evaluated(exits, &format!("the node did not answer: {why}")),
        };
        let (spender_code, wallet_code) = codes.split_at(spenders.len());
        let mut calls = Vec::new();
        let mut owners = Vec::new();
        let mut results: Vec<Option<SellCheck>> = vec![None; exits.wallets.len()];
        for (k, &w) in due.iter().enumerate() {
            let wallet = &exits.wallets[w];
            let exit = wallet.exit.as_ref().expect("due wallets have an exit");
            for (l, leg) in exit.legs.iter().enumerate() {
                let (spender, data) = Self::sale(reader, wallet.address, leg);
                let has_code =
                    spender_code[spenders.iter().position(|s| *s == spender).expect("listed")];
                if !has_code {
                    results[w] = Some(SellCheck::new(
                        SellOutcome::NotEvaluated,
                        format!(
                            "{}: no contract at {spender}, the configured address a sale goes through (check [chain.contracts])",
                            leg.venue.label()
                        ),
                    ));
                    continue;
                }
                let layout = match self
                    .allowance_layout(reader, wallet.address, spender, block)
                    .await
                {
                    Probe::Found(layout) => layout,
                    Probe::Absent => {
                        return not_evaluated(
                            exits,
                            "the token's allowance storage could not be located (a non-standard layout), so no sale can be simulated",
                        );
                    }
                    Probe::Failed(why) => {
                        return not_evaluated(
                            exits,
                            &format!("the allowance probe failed ({why}); tried again next time"),
                        );
                    }
                };
                calls.push(call(
                    Some(wallet.address),
                    spender,
                    data,
                    block,
                    override_allowance(token, layout, wallet.address, spender, U256::MAX),
                ));
                owners.push((w, l, wallet_code[k], layout));
            }
        }
        let answers = match Self::simulate(reader, &calls, block).await {
            Some(answers) => answers,
            None if calls.is_empty() => Vec::new(),
            None => {
                return not_evaluated(
                    exits,
                    "the node did not answer the simulated sales; tried again next time",
                );
            }
        };
        // Per wallet: every leg's finding.
        let mut findings: Vec<Vec<Finding>> = vec![Vec::new(); exits.wallets.len()];
        for (&(w, l, is_contract, layout), answer) in owners.iter().zip(&answers) {
            let wallet = &exits.wallets[w];
            let leg = &wallet.exit.as_ref().expect("due wallets have an exit").legs[l];
            let finding = match answer {
                Err(e) if !is_revert(e) => Finding::NodeError(format!(
                    "{}: the node answered an error, not a revert ({})",
                    leg.venue.label(),
                    e.message
                )),
                Err(e) if leg.venue == Venue::UniswapV1 && is_contract => {
                    self.v1_to_another_address(
                        reader,
                        wallet.address,
                        leg,
                        layout,
                        block,
                        &e.message,
                    )
                    .await
                }
                Err(e) => {
                    let refusal = self.token_refusal(reader, wallet.address, leg, block).await;
                    Finding::Fails(format!(
                        "{}: a sale quoted at {} wei reverts ({}){}",
                        leg.venue.label(),
                        leg.eth_out_wei,
                        e.message,
                        refusal
                            .map(|r| format!("; the token refuses the transfer itself: {r}"))
                            .unwrap_or_default()
                    ))
                }
                Ok(_) => match returned(answer).and_then(|b| Self::received(leg.venue, &b)) {
                    Some(got) if got < leg.eth_out_wei => Finding::Fails(format!(
                        "{}: received less than quoted ({got} < {} wei): a fee on transfer?",
                        leg.venue.label(),
                        leg.eth_out_wei
                    )),
                    Some(_) => Finding::Sells,
                    None => Finding::NodeError(format!(
                        "{}: the sale answered nothing readable",
                        leg.venue.label()
                    )),
                },
            };
            findings[w].push(finding);
        }
        for &w in &due {
            let wallet = &mut exits.wallets[w];
            let exit = wallet.exit.as_ref().expect("due wallets have an exit");
            wallet.sell_check = Some(
                results[w]
                    .take()
                    .unwrap_or_else(|| verdict(exit, &findings[w])),
            );
        }
    }

    /// Whether each address holds code at `block`: `addresses` and then `wallets`, in order.
    async fn have_code(
        reader: &ChainReader,
        addresses: &[Address],
        wallets: &[Address],
        block: u64,
    ) -> Result<Vec<bool>, String> {
        let calls: Vec<RpcCall> = addresses
            .iter()
            .chain(wallets)
            .map(|a| RpcCall::new("eth_getCode", json!([a, format!("0x{block:x}")])))
            .collect();
        let answers = reader
            .rpc
            .call_many_at(&calls, block)
            .await
            .map_err(|e| e.to_string())?;
        answers
            .iter()
            .map(|a| {
                let code: Bytes =
                    serde_json::from_value(a.as_ref().map_err(|e| e.message.clone())?.clone())
                        .map_err(|e| e.to_string())?;
                Ok(!code.is_empty())
            })
            .collect()
    }

    /// A V1 sale from a contract wallet reverted: V1 sends the ETH with a 2,300-gas stipend,
    /// which a contract whose `receive` needs more cannot take. The same sale paying another
    /// address tells the wallet's limit from the token's fault.
    async fn v1_to_another_address(
        &self,
        reader: &ChainReader,
        wallet: Address,
        leg: &Leg,
        layout: AllowanceLayout,
        block: u64,
        reverted: &str,
    ) -> Finding {
        let data = IUniswapV1Exchange::tokenToEthTransferInputCall {
            tokens_sold: leg.pop_raw,
            min_eth: U256::from(1),
            deadline: U256::from(u64::MAX),
            recipient: PLAIN_RECIPIENT,
        }
        .abi_encode();
        let token = reader.settings.token;
        let call = call(
            Some(wallet),
            leg.pool,
            data,
            block,
            override_allowance(token, layout, wallet, leg.pool, U256::MAX),
        );
        match reader.rpc.call_many_at(&[call], block).await {
            Ok(answers) if answers.first().is_some_and(|a| a.is_ok()) => {
                Finding::CannotReceive(format!(
                    "Uniswap V1 pays the seller with a 2,300-gas stipend, which this contract wallet cannot accept (the sale reverts: {reverted}); the same sale paying another address succeeds in simulation: sell with tokenToEthTransferInput(…, recipient), or through another venue"
                ))
            }
            Ok(answers) => Finding::Fails(format!(
                "Uniswap V1: a sale quoted at {} wei reverts ({reverted}), also when it pays another address ({})",
                leg.eth_out_wei,
                answers
                    .first()
                    .and_then(|a| a.as_ref().err())
                    .map(|e| e.message.clone())
                    .unwrap_or_default()
            )),
            Err(e) => Finding::NodeError(format!("Uniswap V1: the node did not answer ({e})")),
        }
    }

    /// Why the token refuses to move `leg`'s amount out of `wallet` by itself, if it does: the
    /// reason a router swallows (paused, blacklisted), straight from the token.
    async fn token_refusal(
        &self,
        reader: &ChainReader,
        wallet: Address,
        leg: &Leg,
        block: u64,
    ) -> Option<String> {
        let data = IERC20::transferCall {
            to: leg.pool,
            value: leg.pop_raw,
        }
        .abi_encode();
        let answers = reader
            .rpc
            .call_many_at(
                &[call(
                    Some(wallet),
                    reader.settings.token,
                    data,
                    block,
                    json!({}),
                )],
                block,
            )
            .await
            .ok()?;
        let answer = answers.into_iter().next()?;
        answer.err().filter(is_revert).map(|e| e.message)
    }
}

/// Where a V1 sale is paid when the seller cannot take ETH: an address with no code (a
/// simulation only: nothing is sent).
const PLAIN_RECIPIENT: Address = Address::new([0x5e; 20]);

/// What one leg's simulation found.
#[derive(Debug, Clone)]
enum Finding {
    Sells,
    Fails(String),
    CannotReceive(String),
    NodeError(String),
}

/// A wallet's sell check from its legs' findings: one failing leg fails the sale; otherwise a
/// leg the wallet cannot receive, then one not evaluated, says so; all selling sells.
fn verdict(exit: &crate::state::exits::Exit, findings: &[Finding]) -> SellCheck {
    let of = |pick: fn(&Finding) -> Option<&String>| -> Vec<&String> {
        findings.iter().filter_map(pick).collect()
    };
    let join = |v: Vec<&String>| sanitize(&v.into_iter().cloned().collect::<Vec<_>>().join("; "));
    let fails = of(|f| match f {
        Finding::Fails(d) => Some(d),
        _ => None,
    });
    if !fails.is_empty() {
        return SellCheck::new(SellOutcome::Fails, join(fails));
    }
    let cannot = of(|f| match f {
        Finding::CannotReceive(d) => Some(d),
        _ => None,
    });
    if !cannot.is_empty() {
        return SellCheck::new(SellOutcome::CannotReceive, join(cannot));
    }
    let errors = of(|f| match f {
        Finding::NodeError(d) => Some(d),
        _ => None,
    });
    if !errors.is_empty() {
        return SellCheck::new(
            SellOutcome::NotEvaluated,
            format!("{}; tried again next time", join(errors)),
        );
    }
    SellCheck::new(
        SellOutcome::Sells,
        format!(
            "a sale of the whole balance through {} succeeds in simulation",
            exit.venue_name()
        ),
    )
}

/// Whether a node's error is the EVM reverting the call (the contracts refused), as opposed to
/// the node failing to run it ("header not found", "missing trie node", an unsupported state
/// override): only a revert says anything about the token.
fn is_revert(e: &CallError) -> bool {
    let message = e.message.to_lowercase();
    e.code == 3
        || [
            "revert",
            "evm error",
            "invalid opcode",
            "invalidjump",
            "invalid jump",
            "out of gas",
            "bad jump",
        ]
        .iter()
        .any(|w| message.contains(w))
}
