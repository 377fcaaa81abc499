//! ENS names, forward: a name is normalized, hashed (EIP-137 namehash), and resolved through
//! the registry (`resolver(node)`) and its resolver (`addr(node)`), each an `eth_call` at the
//! head. Only what can be resolved on chain is: a resolver that asks for an offchain lookup
//! (it reverts with EIP-3668's `OffchainLookup`, told by the revert data) is reported as
//! unsupported, never guessed.
//!
//! Normalization is ENSIP-15's for the names it covers here: ASCII letters (folded to
//! lowercase), digits, hyphens and underscores, dot-separated labels. A name with anything
//! else (emoji, other scripts) needs the full ENSIP-15 tables, which this popwatch does not
//! carry: it is refused with that reason rather than hashed wrongly.

use alloy::primitives::{Address, B256, Bytes, keccak256};
use alloy::sol_types::SolCall;
use serde_json::json;

use super::rpc::{RpcCall, RpcClient};
use crate::abi::{IEnsRegistry, IEnsResolver};
use crate::format::sanitize;

/// The selector of EIP-3668's `OffchainLookup` error.
const OFFCHAIN_LOOKUP: [u8; 4] = [0x55, 0x6f, 0x18, 0x30];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnsError {
    #[error("`{0}` is not a valid ENS name (ENSIP-15 normalization): {1}")]
    Unnormalizable(String, String),
    #[error("{0} has no resolver: the name is not registered (or not set up)")]
    NoResolver(String),
    #[error("{0} resolves to no address")]
    NoAddress(String),
    #[error("{0} needs an offchain lookup (CCIP-Read), which popwatch does not do")]
    Offchain(String),
    #[error("resolving {0}: {1}")]
    Chain(String, String),
}

/// Whether `text` is meant as a name rather than an address.
pub fn looks_like_name(text: &str) -> bool {
    !text.starts_with("0x") && text.contains('.')
}

/// The name normalized by ENSIP-15 (UTS-46 mapping, NFC, emoji, confusable scripts, as the
/// ENS app does), or why it cannot be: such a name has no namehash anyone registered.
pub fn normalize(name: &str) -> Result<String, EnsError> {
    ens_normalize::ens_normalize(name)
        .map_err(|e| EnsError::Unnormalizable(sanitize(name), sanitize(&e.to_string())))
}

/// EIP-137's namehash of a normalized name.
pub fn namehash(name: &str) -> B256 {
    name.rsplit('.')
        .filter(|l| !l.is_empty())
        .fold(B256::ZERO, |node, label| {
            keccak256([node.as_slice(), keccak256(label.as_bytes()).as_slice()].concat())
        })
}

/// What one `eth_call` answered: its bytes, or the revert's message and data.
type Answer = Result<Bytes, (String, Option<String>)>;

/// One `eth_call` at the head (a round of one).
async fn call(rpc: &RpcClient, to: Address, data: Vec<u8>) -> Result<Answer, String> {
    let mut answers = call_round(rpc, &[(to, data)]).await?;
    Ok(answers
        .pop()
        .unwrap_or_else(|| Err(("no answer".to_owned(), None))))
}

/// The address `name` resolves to, read from the chain through `registry`.
pub async fn resolve(rpc: &RpcClient, registry: Address, name: &str) -> Result<Address, EnsError> {
    let name = normalize(name)?;
    let node = namehash(&name);
    let chain = |e: String| EnsError::Chain(name.clone(), sanitize(&e));
    rpc.check_chain_ids().await;
    let resolver = call(
        rpc,
        registry,
        IEnsRegistry::resolverCall { node }.abi_encode(),
    )
    .await
    .map_err(chain)?
    .map_err(|(message, _)| chain(message))?;
    let resolver = IEnsRegistry::resolverCall::abi_decode_returns(&resolver)
        .map_err(|e| chain(e.to_string()))?;
    if resolver.is_zero() {
        return Err(EnsError::NoResolver(name));
    }
    let answer = call(rpc, resolver, IEnsResolver::addrCall { node }.abi_encode())
        .await
        .map_err(chain)?;
    let bytes = match answer {
        Ok(bytes) => bytes,
        // EIP-3668: the resolver asks the caller to fetch the answer offchain.
        Err((_, Some(data))) if data.to_ascii_lowercase().starts_with("0x556f1830") => {
            return Err(EnsError::Offchain(name));
        }
        Err((message, _)) => return Err(chain(message)),
    };
    if bytes.starts_with(&OFFCHAIN_LOOKUP) {
        return Err(EnsError::Offchain(name));
    }
    let address =
        IEnsResolver::addrCall::abi_decode_returns(&bytes).map_err(|e| chain(e.to_string()))?;
    if address.is_zero() {
        return Err(EnsError::NoAddress(name));
    }
    Ok(address)
}

/// One round of `eth_call`s at the head, each `(to, data)`, sent as one batch; per call what
/// it answered.
async fn call_round(rpc: &RpcClient, calls: &[(Address, Vec<u8>)]) -> Result<Vec<Answer>, String> {
    if calls.is_empty() {
        return Ok(Vec::new());
    }
    let rpc_calls: Vec<RpcCall> = calls
        .iter()
        .map(|(to, data)| {
            RpcCall::new(
                "eth_call",
                json!([{"to": to, "data": Bytes::from(data.clone())}, "latest"]),
            )
        })
        .collect();
    let (answers, _) = rpc
        .call_many(&rpc_calls, &Default::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok(answers
        .into_iter()
        .map(|a| match a {
            Ok(value) => serde_json::from_value::<Bytes>(value).map_err(|e| (e.to_string(), None)),
            Err(e) => Err((e.message, e.data)),
        })
        .collect())
}

/// [`call_round`] with each call's bytes, or `None` where it failed or reverted.
async fn call_round_ok(
    rpc: &RpcClient,
    calls: &[(Address, Vec<u8>)],
) -> Result<Vec<Option<Bytes>>, String> {
    Ok(call_round(rpc, calls)
        .await?
        .into_iter()
        .map(Result::ok)
        .collect())
}

/// The reverse name of each address, verified forward: a reverse record is only a claim (any
/// address can set any name), so a name is kept only where the name resolves back to the
/// address, as wallets and explorers do. `None` where there is no name, it does not verify,
/// or it cannot be normalized here. Four rounds of batched calls, whatever the count.
pub async fn reverse_names(
    rpc: &RpcClient,
    registry: Address,
    addresses: &[Address],
) -> Result<Vec<Option<String>>, String> {
    let nodes: Vec<B256> = addresses
        .iter()
        .map(|a| {
            namehash(&format!(
                "{}.addr.reverse",
                alloy::primitives::hex::encode(a)
            ))
        })
        .collect();
    let resolver_of = |bytes: &Option<Bytes>| {
        bytes
            .as_ref()
            .and_then(|b| IEnsRegistry::resolverCall::abi_decode_returns(b).ok())
            .filter(|r| !r.is_zero())
    };
    // 1. The reverse nodes' resolvers.
    let resolvers = call_round_ok(
        rpc,
        &nodes
            .iter()
            .map(|&node| (registry, IEnsRegistry::resolverCall { node }.abi_encode()))
            .collect::<Vec<_>>(),
    )
    .await?;
    // 2. Their names.
    let asked: Vec<usize> = (0..addresses.len())
        .filter(|&i| resolver_of(&resolvers[i]).is_some())
        .collect();
    let names_raw = call_round_ok(
        rpc,
        &asked
            .iter()
            .map(|&i| {
                let resolver = resolver_of(&resolvers[i]).expect("filtered");
                (
                    resolver,
                    IEnsResolver::nameCall { node: nodes[i] }.abi_encode(),
                )
            })
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut claimed: Vec<Option<String>> = vec![None; addresses.len()];
    for (&i, raw) in asked.iter().zip(&names_raw) {
        claimed[i] = raw
            .as_ref()
            .and_then(|b| IEnsResolver::nameCall::abi_decode_returns(b).ok())
            .and_then(|name| normalize(&name).ok());
    }
    // 3. and 4. Each claimed name forward: its resolver, then its address.
    let named: Vec<usize> = (0..addresses.len())
        .filter(|&i| claimed[i].is_some())
        .collect();
    let forward_nodes: Vec<B256> = named
        .iter()
        .map(|&i| namehash(claimed[i].as_deref().expect("filtered")))
        .collect();
    let forward_resolvers = call_round_ok(
        rpc,
        &forward_nodes
            .iter()
            .map(|&node| (registry, IEnsRegistry::resolverCall { node }.abi_encode()))
            .collect::<Vec<_>>(),
    )
    .await?;
    let with_resolver: Vec<usize> = (0..named.len())
        .filter(|&k| resolver_of(&forward_resolvers[k]).is_some())
        .collect();
    let forward = call_round_ok(
        rpc,
        &with_resolver
            .iter()
            .map(|&k| {
                let resolver = resolver_of(&forward_resolvers[k]).expect("filtered");
                (
                    resolver,
                    IEnsResolver::addrCall {
                        node: forward_nodes[k],
                    }
                    .abi_encode(),
                )
            })
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut verified: Vec<Option<String>> = vec![None; addresses.len()];
    for (&k, raw) in with_resolver.iter().zip(&forward) {
        let i = named[k];
        let resolves_to = raw
            .as_ref()
            .and_then(|b| IEnsResolver::addrCall::abi_decode_returns(b).ok());
        if resolves_to == Some(addresses[i]) {
            verified[i] = claimed[i].take();
        }
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namehash_matches_eip_137() {
        // The EIP's own examples.
        assert_eq!(namehash(""), B256::ZERO);
        assert_eq!(
            namehash("eth").to_string(),
            "0x93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae"
        );
        assert_eq!(
            namehash("foo.eth").to_string(),
            "0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f"
        );
    }

    #[test]
    fn names_are_normalized_by_ensip_15_and_what_cannot_be_is_refused() {
        assert_eq!(normalize("Whale.ETH").unwrap(), "whale.eth");
        // Full-width letters map to ASCII; emoji stay (without their presentation selector).
        assert_eq!(normalize("ＷＨＡＬＥ.eth").unwrap(), "whale.eth");
        assert_eq!(normalize("🐳.eth").unwrap(), "🐳.eth");
        assert_eq!(normalize("Ünïcode.eth").unwrap(), "ünïcode.eth");
        // An empty label, an invisible joiner, scripts mixed to confuse: refused, with why.
        for bad in ["a..eth", "nick\u{200d}.eth", "аpple.eth"] {
            match normalize(bad) {
                Err(EnsError::Unnormalizable(_, why)) => assert!(!why.is_empty(), "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(looks_like_name("whale.eth") && !looks_like_name("0xab.cd"));
    }
}
