//! The chain source against a real devnet: exact balances (oracle: separate eth_calls and
//! `cast`), the request budget measured by a counting proxy, and every endpoint fault.

use crate::support;

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use popwatch::abi::IERC20;
use popwatch::config::{Config, RpcUrl};
use popwatch::sources::chain::{ChainError, ChainReader};
use popwatch::state::{AppState, SourceName, SourceStatus, Update};
use popwatch_devnet::proxy::{Behaviour, FaultProxy};
use popwatch_devnet::{Anvil, Devnet, Role, Scenario};
use support::cast_value;

fn with_urls(mut config: Config, urls: &[String], timeout_secs: u64) -> Config {
    config.chain.rpc_urls = urls.iter().map(|u| RpcUrl::parse(u).unwrap()).collect();
    config.chain.timeout_secs = timeout_secs;
    config
}

/// A loopback port where nothing listens.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Each wallet's POP and ETH read one by one, each by its own eth_call: the oracle.
async fn oracle_balances(d: &Devnet) -> Vec<(Address, U256, U256)> {
    let mut out = Vec::new();
    for chunk in d.wallets.chunks(100) {
        let reads = chunk.iter().map(|w| async move {
            let pop = d
                .view(d.contracts.pop, IERC20::balanceOfCall { owner: w.address })
                .await
                .unwrap();
            let eth = d.provider().get_balance(w.address).await.unwrap();
            (w.address, pop, eth)
        });
        out.extend(futures::future::join_all(reads).await);
    }
    out
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn balances_token_facts_and_feed_are_exact() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let reader = ChainReader::from_config(&d.config().unwrap());
    let reading = reader.read().await.reading.unwrap();
    let oracle = oracle_balances(&d).await;
    assert_eq!(reading.balances.len(), oracle.len());
    for (b, (address, pop, eth)) in reading.balances.iter().zip(&oracle) {
        assert_eq!(b.address, *address);
        assert_eq!(b.pop_raw, Some(*pop), "{address} POP");
        assert_eq!(b.eth_wei, Some(*eth), "{address} ETH");
    }
    // Zero and dust are read as such, not as unknown.
    let dust = reading
        .balances
        .iter()
        .find(|b| b.address == d.wallet(Role::Dust).address)
        .unwrap();
    assert_eq!(dust.pop_raw, Some(d.wallet(Role::Dust).pop_raw));
    let empty = reading
        .balances
        .iter()
        .find(|b| b.address == d.wallet(Role::Empty).address)
        .unwrap();
    assert_eq!(empty.pop_raw, Some(U256::ZERO));

    let token = d.contracts.pop.to_string();
    assert_eq!(reading.token.name.as_deref(), Some("POP Network Token"));
    assert_eq!(reading.token.symbol.as_deref(), Some("POP"));
    assert_eq!(reading.token.decimals, Some(18));
    assert_eq!(
        reading.token.total_supply_raw.unwrap().to_string(),
        cast_value(&["call", &token, "totalSupply()(uint256)", "-r", &d.url])
    );
    assert_eq!(
        reading.block.to_string(),
        cast_value(&["block-number", "-r", &d.url])
    );
    let feed = reading.eth_usd.unwrap();
    assert_eq!(feed.price(), 3000.0);
    assert!(!feed.stale);
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_thousand_wallets_are_wei_exact() {
    let d = Devnet::start(Scenario::default().with_wallets(1_000))
        .await
        .unwrap();
    let reading = ChainReader::from_config(&d.config().unwrap())
        .read()
        .await
        .reading
        .unwrap();
    let oracle = oracle_balances(&d).await;
    for (b, (address, pop, eth)) in reading.balances.iter().zip(&oracle) {
        assert_eq!(
            (b.address, b.pop_raw, b.eth_wei),
            (*address, Some(*pop), Some(*eth))
        );
    }
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn requests_per_refresh_stay_within_the_budget() {
    for wallets in [10usize, 1_000, 5_000] {
        let d = Devnet::start(Scenario::default().with_wallets(wallets))
            .await
            .unwrap();
        let proxy = FaultProxy::start(&d.url).await;
        let config = with_urls(d.config().unwrap(), &[proxy.url()], 10);
        let chunk = config.chain.multicall_chunk as usize;
        let reader = ChainReader::from_config(&config);

        // The first refresh also reads the chain id, discovers the pools, and finds the V3
        // ticks a sale can reach: a few rounds more, once.
        let first = reader.read().await.reading.unwrap();
        let first_requests = proxy.http_requests();
        assert_eq!(first.balances.len(), wallets);
        assert_eq!(first.pools.len(), 5, "V1, V2, SushiSwap and two V3 pools");

        // Steady state: every read in the main round's aggregate3 chunks (each also reading
        // the block number), plus eth_gasPrice, in JSON-RPC batches.
        let reads = reader.planned_reads();
        let chunks = reads.div_ceil(chunk - 1);
        let budget = 1 + chunks as u64;
        proxy.reset_counts();
        let second = reader.read().await.reading.unwrap();
        // Measured at the proxy, not only by the client's own counter.
        assert_eq!(second.http_requests, proxy.http_requests());
        assert_eq!(second.rpc_calls, proxy.rpc_calls());
        assert_eq!(
            proxy.rpc_calls(),
            chunks as u64 + 1,
            "one eth_call per chunk and the gas price"
        );
        assert!(
            proxy.http_requests() <= budget,
            "{wallets} wallets: {} > {budget}",
            proxy.http_requests()
        );
        if wallets == 10 {
            // Larger refreshes split their batch under ~900 KB a request.
            assert_eq!(proxy.http_requests(), 1, "one request when batching works");
        }
        eprintln!(
            "{wallets} wallets: first refresh {first_requests} HTTP requests, then {} requests / {} calls ({reads} reads in {chunks} chunks)",
            second.http_requests, second.rpc_calls
        );
    }
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_wrong_chain_endpoint_is_refused_and_the_next_one_used() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let mainnet_like = Anvil::spawn(&["--chain-id", "1"]).unwrap();
    let config = with_urls(d.config().unwrap(), &[mainnet_like.url(), d.url.clone()], 5);
    let reader = ChainReader::from_config(&config);
    let outcome = reader.read().await;
    assert_eq!(outcome.refusals.len(), 1);
    assert_eq!(outcome.refusals[0].got, 1);
    assert_eq!(outcome.refusals[0].endpoint, mainnet_like.url());
    let reading = outcome.reading.unwrap();
    assert_eq!(reading.endpoint, d.url);
    // Refused for good: later refreshes never go there.
    let again = reader.read().await;
    assert!(again.refusals.is_empty());
    assert_eq!(again.reading.unwrap().endpoint, d.url);

    // Through the pipeline, the refusal is kept in state for the user.
    let mut state = AppState::new(&config);
    state.apply(Update::EndpointRefused {
        endpoint: mainnet_like.url(),
        expected: 31337,
        got: 1,
    });
    assert_eq!(state.refused_endpoints.len(), 1);
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn dead_and_hung_endpoints_fail_over_within_the_timeout() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let hung = FaultProxy::start(&d.url).await;
    // Its chain id is read, then it stops answering.
    hung.push([Behaviour::Pass]);
    hung.set_default(Behaviour::Hang);
    let config = with_urls(
        d.config().unwrap(),
        &[dead_url(), hung.url(), d.url.clone()],
        1,
    );
    let reader = ChainReader::from_config(&config);
    let started = Instant::now();
    let reading = reader.read().await.reading.unwrap();
    let took = started.elapsed();
    assert_eq!(reading.endpoint, d.url);
    assert!(took < Duration::from_millis(2500), "failover took {took:?}");
    assert_eq!(reading.balances[0].pop_raw, Some(d.wallets[0].pop_raw));
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_429_with_retry_after_is_retried_after_the_wait_and_succeeds() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let config = with_urls(d.config().unwrap(), &[proxy.url()], 5);
    let reader = ChainReader::from_config(&config);
    reader.read().await.reading.unwrap(); // the chain id is read
    proxy.reset_counts();
    proxy.push([Behaviour::TooManyRequests("1".into())]);
    let reading = reader.read().await.reading.unwrap();
    assert_eq!(reading.endpoint, proxy.url());
    let arrivals = proxy.arrivals();
    assert_eq!(arrivals.len(), 2, "one 429, one success");
    assert!(
        arrivals[1] - arrivals[0] >= Duration::from_secs(1),
        "retried before Retry-After"
    );

    // The HTTP-date form of Retry-After is honoured too.
    proxy.reset_counts();
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let date = at
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap();
    proxy.push([Behaviour::TooManyRequests(date)]);
    reader.read().await.reading.unwrap();
    let arrivals = proxy.arrivals();
    assert!(
        arrivals[1] - arrivals[0] >= Duration::from_millis(900),
        "{:?}",
        arrivals[1] - arrivals[0]
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn limit_exceeded_in_an_http_200_is_retried_and_succeeds() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let config = with_urls(d.config().unwrap(), &[proxy.url()], 5);
    let reader = ChainReader::from_config(&config);
    reader.read().await.reading.unwrap();
    proxy.reset_counts();
    proxy.push([Behaviour::LimitExceeded, Behaviour::LimitExceeded]);
    let reading = reader.read().await.reading.unwrap();
    assert_eq!(reading.endpoint, proxy.url());
    assert_eq!(proxy.http_requests(), 3);
    assert_eq!(reading.balances[0].pop_raw, Some(d.wallets[0].pop_raw));
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn html_502_and_truncated_bodies_fail_over() {
    for fault in [Behaviour::Html502, Behaviour::Truncated] {
        let d = Devnet::start(Scenario::default()).await.unwrap();
        let bad = FaultProxy::start(&d.url).await;
        let good = FaultProxy::start(&d.url).await;
        let config = with_urls(d.config().unwrap(), &[bad.url(), good.url()], 5);
        let reader = ChainReader::from_config(&config);
        bad.push([Behaviour::Pass]); // the chain id
        bad.set_default(fault.clone());
        let reading = reader.read().await.reading.unwrap();
        assert_eq!(reading.endpoint, good.url(), "{fault:?}");
        // Failed over at once: one try at the bad endpoint, no retries there.
        assert_eq!(bad.http_requests(), 2, "{fault:?}");
        assert_eq!(reading.balances[0].pop_raw, Some(d.wallets[0].pop_raw));
    }
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_lagging_endpoints_older_block_is_never_shown() {
    let ahead = Devnet::start(Scenario::default()).await.unwrap();
    let behind = Devnet::start(Scenario::default()).await.unwrap();
    ahead.mine(5).await.unwrap();
    let front = FaultProxy::start(&ahead.url).await;
    let config = with_urls(
        ahead.config().unwrap(),
        &[front.url(), behind.url.clone()],
        5,
    );
    let reader = ChainReader::from_config(&config);
    let mut state = AppState::new(&config);

    let first = reader.read().await.reading.unwrap();
    let shown = first.block;
    state.apply(Update::ChainRead(Box::new(first)));
    // The endpoint in front fails; the only other one is behind.
    front.set_default(Behaviour::Html502);
    let second = reader.read().await.reading;
    assert!(
        matches!(second, Err(ChainError::Lagging { seen }) if seen == shown),
        "{second:?}"
    );
    state.apply(Update::SourceFailed {
        source: SourceName::Chain,
        error: second.unwrap_err().to_string(),
    });
    assert_eq!(state.block.unwrap().number, shown);
    assert!(matches!(
        state.sources[&SourceName::Chain].status,
        SourceStatus::Failed { .. }
    ));

    // Once the head endpoint is back, refreshes go on from it.
    front.set_default(Behaviour::Pass);
    // Its breaker may be open after the failures; a fresh reader shows the head again.
    let third = ChainReader::from_config(&config)
        .read()
        .await
        .reading
        .unwrap();
    assert!(third.block >= shown);
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn absent_contracts_are_reported_not_stormed() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    // No feed at the configured address: ETH/USD unknown, with the reason; the rest is read.
    let mut config = d.config().unwrap();
    config.chain.contracts.eth_usd_feed = Some(Address::repeat_byte(0x42));
    let reading = ChainReader::from_config(&config)
        .read()
        .await
        .reading
        .unwrap();
    assert!(reading.eth_usd.unwrap_err().contains("no answer"));
    assert_eq!(reading.balances[0].pop_raw, Some(d.wallets[0].pop_raw));

    // No Multicall3 at the configured address: one clear error.
    let mut config = d.config().unwrap();
    config.chain.contracts.multicall3 = Some(Address::repeat_byte(0x41));
    let reader = ChainReader::from_config(&config);
    let err = reader.read().await.reading.unwrap_err();
    assert!(matches!(err, ChainError::MulticallAbsent(_)), "{err}");
    assert!(
        reader.rpc().stats().http_requests <= 3,
        "no error storm: {:?}",
        reader.rpc().stats()
    );

    // A token address without code: facts unknown, not invented.
    let mut config = d.config().unwrap();
    config.token.address = Address::repeat_byte(0x43);
    let reading = ChainReader::from_config(&config)
        .read()
        .await
        .reading
        .unwrap();
    assert!(!reading.token.has_code);
    assert_eq!(reading.token.name, None);
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_stale_feed_is_marked_stale() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let head = d
        .provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    d.set_feed_updated_at(
        d.scenario.eth_usd_8dec,
        head.header.timestamp - 3 * 3600 - 60,
    )
    .await
    .unwrap();
    let config = d.config().unwrap();
    let reading = ChainReader::from_config(&config)
        .read()
        .await
        .reading
        .unwrap();
    let feed = reading.eth_usd.clone().unwrap();
    assert!(feed.stale);
    let mut state = AppState::new(&config);
    state.apply(Update::ChainRead(Box::new(reading)));
    assert!(
        matches!(&state.sources[&SourceName::Chainlink].status, SourceStatus::Failed { error } if error.contains("stale"))
    );
    // The figure stays visible, with its time, marked stale.
    assert!(state.eth_usd.unwrap().stale);
}

/// One refresh of the whole chain source (balances, pools, exits, sell checks, logs), its
/// updates applied.
async fn refresh(source: &mut popwatch::sources::chain::ChainSource, state: &mut AppState) {
    for update in support::refresh_once(source).await.0 {
        state.apply(update);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_steady_refresh_of_a_thousand_wallets_takes_at_most_three_requests() {
    let d = Devnet::start(Scenario::default().with_wallets(1_000))
        .await
        .unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let config = with_urls(d.config().unwrap(), &[proxy.url()], 10);
    let mut source = popwatch::sources::chain::ChainSource::new(&config);
    let mut state = AppState::new(&config);
    refresh(&mut source, &mut state).await;
    refresh(&mut source, &mut state).await;
    // A new block, as on a live chain, with nothing in it for the watched wallets.
    d.mine(1).await.unwrap();
    proxy.reset_counts();
    refresh(&mut source, &mut state).await;
    let steady = proxy.http_requests();
    assert!(steady <= 3, "{steady} HTTP requests: {:?}", proxy.methods());
    // Nothing was skipped: every figure is there, at the new block.
    let head = {
        use alloy::providers::Provider;
        d.provider().get_block_number().await.unwrap()
    };
    assert_eq!(state.block.unwrap().number, head);
    assert_eq!(state.logs_block, Some(head));
    assert!(state.wallets.iter().all(|w| w.pop_raw.is_some()));
    let holders: Vec<_> = state.wallets.iter().filter(|w| w.exit.is_some()).collect();
    assert!(holders.len() > 900);
    assert!(holders.iter().all(|w| w.sell_check.is_some()));

    // A transfer moves two balances: their sales are simulated again, and only theirs.
    let whale = d.wallet(Role::Whale).address;
    let empty = d.wallet(Role::Empty).address;
    d.transfer_pop(whale, empty, U256::from(10u64).pow(U256::from(24)))
        .await
        .unwrap();
    proxy.reset_counts();
    refresh(&mut source, &mut state).await;
    let calls = proxy.rpc_calls();
    assert!(calls < 40, "{calls} calls: not every sale simulated again");
    let receiver = state.wallets.iter().find(|w| w.address == empty).unwrap();
    assert!(
        receiver
            .sell_check
            .as_ref()
            .is_some_and(|c| c.ok() == Some(true)),
        "{receiver:?}"
    );
}

/// A gas price no chain has had (u64::MAX wei, 18 ETH a unit of gas) is not believed: the
/// reading's gas price is unknown, so no exit is netted against it; an ordinary one is taken
/// as the node answers it (the oracle: the node's own eth_gasPrice).
#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn an_absurd_gas_price_is_unknown_not_believed() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let config = with_urls(d.config().unwrap(), &[proxy.url()], 5);
    let reader = ChainReader::from_config(&config);
    proxy.set_default(Behaviour::GasPrice("0xffffffffffffffff".to_owned()));
    let reading = reader.read().await.reading.unwrap();
    assert_eq!(reading.gas_price_wei, None);
    assert_eq!(reading.balances[0].pop_raw, Some(d.wallets[0].pop_raw));
    proxy.set_default(Behaviour::GasPrice("0x2540be400".to_owned())); // 10 gwei
    let reading = reader.read().await.reading.unwrap();
    assert_eq!(reading.gas_price_wei, Some(U256::from(10_000_000_000u64)));
    proxy.set_default(Behaviour::Pass);
    let reading = reader.read().await.reading.unwrap();
    let oracle = d.provider().get_gas_price().await.unwrap();
    assert_eq!(reading.gas_price_wei, Some(U256::from(oracle)));
}
