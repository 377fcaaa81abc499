//! Transfer and Approval history against the devnet: equal to `cast logs`, complete under a
//! public node's getLogs limits, reorg-safe, incremental, spoof-aware, and current about
//! approvals.

use crate::support;

use std::time::Duration;

use alloy::primitives::{Address, U256};
use popwatch::abi::IERC20;
use popwatch::sources::chain::logs::LogScanner;
use popwatch::sources::chain::rpc::RpcClient;

use popwatch::config::{Config, RpcUrl};
use popwatch::state::transfers::TransferSeen;
use popwatch_devnet::proxy::FaultProxy;
use popwatch_devnet::{Devnet, Role, Scenario};
use support::{cast_transfer_logs, transfers_touching};

fn scanner(d: &Devnet, config: &Config) -> LogScanner {
    LogScanner::new(
        d.contracts.pop,
        d.contracts.multicall3,
        config.wallets.iter().map(|w| w.address).collect(),
        config.chain.logs_chunk_blocks,
        config.chain.scan_days,
    )
}

fn rpc(url: &str) -> RpcClient {
    RpcClient::new(
        &[RpcUrl::parse(url).unwrap()],
        31337,
        Duration::from_secs(10),
    )
}

async fn head(d: &Devnet) -> u64 {
    use alloy::providers::Provider;
    d.provider().get_block_number().await.unwrap()
}

async fn ready(rpc: &RpcClient) {
    rpc.check_chain_ids().await;
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn transfers_and_approvals_equal_cast_logs() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = d.config().unwrap();
    let client = rpc(&d.url);
    ready(&client).await;
    let mut scan = scanner(&d, &config);
    let reading = scan.scan(&client, head(&d).await).await.unwrap();
    let token = d.contracts.pop.to_string();
    // The oracle: every Transfer log of the token as cast reads it, filtered by its topics.
    let all = cast_transfer_logs(&d, &token);
    for w in &reading.wallets {
        let oracle = transfers_touching(&all, w.address);
        let mut ours: Vec<(String, u64)> = w
            .transfers
            .iter()
            .map(|t| (t.tx.to_string(), t.log_index))
            .collect();
        ours.sort();
        assert!(!oracle.is_empty() || w.address == d.wallet(Role::Empty).address);
        assert_eq!(ours, oracle, "{}", w.address);
    }
    // The approver's approval, and its allowance read at the head.
    let approver = reading
        .wallets
        .iter()
        .find(|w| w.address == d.wallet(Role::Approver).address)
        .unwrap();
    assert_eq!(approver.approvals.len(), 1);
    assert_eq!(approver.approvals[0].0, d.contracts.uniswap_v2_router);
    let allowance = support::cast_value(&[
        "call",
        &token,
        "allowance(address,address)(uint256)",
        &d.wallet(Role::Approver).address.to_string(),
        &d.contracts.uniswap_v2_router.to_string(),
        "-r",
        &d.url,
    ]);
    assert_eq!(approver.approvals[0].1.to_string(), allowance);
    // The token's last Transfer of all, and wallets' last transfer times (days ago).
    let latest = reading.latest_transfer.unwrap();
    assert_eq!(latest.to, d.deployer);
    let whale = reading
        .wallets
        .iter()
        .find(|w| w.address == d.wallet(Role::Whale).address)
        .unwrap();
    let age = time::OffsetDateTime::now_utc() - whale.last_transfer_at().unwrap();
    assert!((4..=6).contains(&age.whole_days()), "{age}");
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_limiting_node_misses_and_doubles_nothing() {
    // 10,000 holders: over 10,000 Transfer logs over some 50 blocks. (Mining thousands of
    // blocks on anvil takes a minute, so the range limit is scaled to the devnet: 25 blocks
    // where a public node says 1,000.)
    let d = Devnet::start(Scenario::default().with_wallets(10_000))
        .await
        .unwrap();
    let mut config = d.config().unwrap();
    config.wallets.truncate(5);
    let head = head(&d).await;

    let plain = rpc(&d.url);
    ready(&plain).await;
    let unlimited = scanner(&d, &config).scan(&plain, head).await.unwrap();

    let proxy = FaultProxy::start(&d.url).await;
    proxy.limit_logs(25, 10_000);
    let limited_rpc = rpc(&proxy.url());
    ready(&limited_rpc).await;
    let limited = scanner(&d, &config).scan(&limited_rpc, head).await.unwrap();
    assert_eq!(
        limited.wallets, unlimited.wallets,
        "same transfers, none missed or doubled"
    );
    assert_eq!(limited.latest_transfer, unlimited.latest_transfer);
    let ranges = proxy.log_ranges();
    assert!(
        ranges.iter().any(|(f, t)| t - f + 1 > 25),
        "the first range was too large and refused"
    );
    assert!(
        limited.get_logs_calls > unlimited.get_logs_calls,
        "ranges were split"
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_reorg_removes_reverted_transfers_and_keeps_the_rest() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = d.config().unwrap();
    let client = rpc(&d.url);
    ready(&client).await;
    let mut scan = scanner(&d, &config);
    let before = scan.scan(&client, head(&d).await).await.unwrap();
    let whale = d.wallet(Role::Whale).address;
    let empty = d.wallet(Role::Empty).address;
    let snapshot = d.snapshot().await.unwrap();
    let receipt = d
        .exec(
            whale,
            d.contracts.pop,
            IERC20::transferCall {
                to: empty,
                value: U256::from(12_345u64),
            },
        )
        .await
        .unwrap();
    let with = scan.scan(&client, head(&d).await).await.unwrap();
    let find = |r: &popwatch::state::transfers::LogReading, a: Address| -> Vec<TransferSeen> {
        r.wallets
            .iter()
            .find(|w| w.address == a)
            .unwrap()
            .transfers
            .clone()
    };
    assert!(
        find(&with, empty)
            .iter()
            .any(|t| t.tx == receipt.transaction_hash)
    );
    // The chain reorganises: the block with the transfer is replaced by empty ones.
    d.revert(snapshot).await.unwrap();
    d.mine(3).await.unwrap();
    let after = scan.scan(&client, head(&d).await).await.unwrap();
    assert!(
        find(&after, empty).is_empty(),
        "the reverted transfer is gone"
    );
    assert_eq!(
        find(&after, whale),
        find(&before, whale),
        "the rest is kept"
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_second_refresh_scans_only_new_blocks() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    d.mine(500).await.unwrap();
    let config = d.config().unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let client = rpc(&proxy.url());
    ready(&client).await;
    let mut scan = scanner(&d, &config);
    let first_head = head(&d).await;
    scan.scan(&client, first_head).await.unwrap();
    let first_ranges = proxy.log_ranges().len();
    d.mine(5).await.unwrap();
    proxy.reset_counts();
    scan.scan(&client, head(&d).await).await.unwrap();
    // One request for the new range's logs. The chain's first block is not asked again, and
    // the approver's allowance is not read again: nothing could have moved it.
    assert_eq!(proxy.http_requests(), 1, "requests of the second scan");
    let second: Vec<(u64, u64)> = proxy.log_ranges()[first_ranges..].to_vec();
    assert!(!second.is_empty());
    for (from, _) in &second {
        assert!(
            *from >= first_head - popwatch::sources::chain::logs::CONFIRMATIONS,
            "rescanned from {from}"
        );
    }
    assert_eq!(second.len(), 2, "one range: transfers and approvals");

    // The spender spends part of the allowance with transferFrom: the next scan sees the
    // transfer out of the owner's wallet and reads the allowance again.
    let approver = d.wallet(Role::Approver).address;
    let spender = d.contracts.uniswap_v2_router;
    d.fund(spender, U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    d.exec(
        spender,
        d.contracts.pop,
        IERC20::transferFromCall {
            from: approver,
            to: d.wallet(Role::Empty).address,
            value: U256::from(1_000u64),
        },
    )
    .await
    .unwrap();
    let reading = scan.scan(&client, head(&d).await).await.unwrap();
    let shown = reading
        .wallets
        .iter()
        .find(|w| w.address == approver)
        .unwrap()
        .approvals[0]
        .1;
    let on_chain = support::cast_value(&[
        "call",
        &d.contracts.pop.to_string(),
        "allowance(address,address)(uint256)",
        &approver.to_string(),
        &spender.to_string(),
        "-r",
        &d.url,
    ]);
    assert_eq!(
        shown.to_string(),
        on_chain,
        "the spent allowance is current"
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn zero_value_transfers_are_recorded_with_their_sender() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = d.config().unwrap();
    let whale = d.wallet(Role::Whale).address;
    // A lookalike of the deployer (the whale sent it POP): same first and last 4 hex digits.
    let mut bytes = [0u8; 20];
    bytes[..2].copy_from_slice(&d.deployer[..2]);
    bytes[18..].copy_from_slice(&d.deployer[18..]);
    let lookalike = Address::from(bytes);
    let attacker = Address::repeat_byte(0xaa);
    d.fund(attacker, U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    d.fund(lookalike, U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    // A spoofed transferFrom: the attacker moves 0 POP "from" the whale to the lookalike.
    let spoof = d
        .exec(
            attacker,
            d.contracts.pop,
            IERC20::transferFromCall {
                from: whale,
                to: lookalike,
                value: U256::ZERO,
            },
        )
        .await
        .unwrap();
    // And the lookalike "pays" the whale 0 POP.
    d.exec(
        lookalike,
        d.contracts.pop,
        IERC20::transferCall {
            to: whale,
            value: U256::ZERO,
        },
    )
    .await
    .unwrap();
    let client = rpc(&d.url);
    ready(&client).await;
    let reading = scanner(&d, &config)
        .scan(&client, head(&d).await)
        .await
        .unwrap();
    let w = reading.wallets.iter().find(|w| w.address == whale).unwrap();
    let out = w.last_out.as_ref().unwrap();
    assert_eq!(
        (out.tx, out.to, out.amount),
        (spoof.transaction_hash, lookalike, U256::ZERO)
    );
    assert_eq!(out.tx_sender, Some(attacker), "not signed by the whale");
    let inbound = w.last_in.as_ref().unwrap();
    assert_eq!(
        (inbound.from, inbound.tx_sender),
        (lookalike, Some(lookalike))
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_revoked_approval_disappears() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = d.config().unwrap();
    let client = rpc(&d.url);
    ready(&client).await;
    let mut scan = scanner(&d, &config);
    let approver = d.wallet(Role::Approver).address;
    let approvals = |r: &popwatch::state::transfers::LogReading| {
        r.wallets
            .iter()
            .find(|w| w.address == approver)
            .unwrap()
            .approvals
            .clone()
    };
    assert_eq!(
        approvals(&scan.scan(&client, head(&d).await).await.unwrap()).len(),
        1
    );
    d.exec(
        approver,
        d.contracts.pop,
        IERC20::approveCall {
            spender: d.contracts.uniswap_v2_router,
            value: U256::ZERO,
        },
    )
    .await
    .unwrap();
    assert!(approvals(&scan.scan(&client, head(&d).await).await.unwrap()).is_empty());
}
