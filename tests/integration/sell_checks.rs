//! Sell checks accuse the token only where the chain proves it (issue 21): what is not the
//! token's fault (no router at the configured address, a node that cannot simulate, a contract
//! wallet that cannot take V1's ETH) is said as such, each against an independent oracle (the
//! code at an address, an executed transaction).

use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::Provider;
use popwatch::abi::{IERC20, IUniswapV1Exchange};
use popwatch::config::{Config, RpcUrl, WalletConfig};
use popwatch::exit::compute as exits;
use popwatch::sources::chain::{ChainReader, SellChecker};
use popwatch::state::exits::{ExitReading, SellOutcome, Venue};
use popwatch_devnet::proxy::{Behaviour, FaultProxy};
use popwatch_devnet::{Devnet, PoolPlan, Role, Scenario};

/// Reads, computes the exits and runs the sell checks once.
async fn checked(reader: &ChainReader, checker: &SellChecker) -> ExitReading {
    let reading = reader.read().await.reading.unwrap();
    let mut result = exits::compute(&reading, 18);
    checker.check(reader, &mut result, reading.block).await;
    result
}

fn outcome_of(result: &ExitReading, wallet: Address) -> (SellOutcome, String) {
    let check = result
        .wallets
        .iter()
        .find(|w| w.address == wallet)
        .and_then(|w| w.sell_check.clone())
        .expect("a sell check");
    (check.outcome, check.detail)
}

/// The V2 router configured at an address with no code (a typo, another chain's address): the
/// sales through it are not evaluated, with the address named; never "the sale fails".
#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_router_without_code_is_not_evaluated_never_a_failure() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let mut config: Config = d.config().unwrap();
    let nowhere = Address::repeat_byte(0x42);
    config.chain.contracts.uniswap_v2_router = Some(nowhere);
    // The oracle: no code there.
    let code = d.provider().get_code_at(nowhere).await.unwrap();
    assert!(code.is_empty());
    let reader = ChainReader::from_config(&config);
    let result = checked(&reader, &SellChecker::new()).await;
    let whale = d.wallet(Role::Whale).address;
    let exit = result
        .wallets
        .iter()
        .find(|w| w.address == whale)
        .and_then(|w| w.exit.clone())
        .unwrap();
    assert!(exit.legs.iter().any(|l| l.venue == Venue::UniswapV2));
    let (outcome, detail) = outcome_of(&result, whale);
    assert_eq!(outcome, SellOutcome::NotEvaluated, "{detail}");
    assert!(
        detail.contains("no contract at") && detail.contains(&nowhere.to_string()),
        "{detail}"
    );
}

/// A node that cannot simulate with a state override (the allowance probe and every sale are
/// refused with an invalid-argument error): the checks are not evaluated, with the node's
/// reason, and the failed probe is not remembered: through an able node the next check runs
/// and the whale's sale succeeds, as an executed sale confirms.
#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_node_without_state_overrides_is_not_evaluated_and_the_probe_is_retried() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let mut config: Config = d.config().unwrap();
    config.chain.rpc_urls = vec![RpcUrl::parse(&proxy.url()).unwrap()];
    let reader = ChainReader::from_config(&config);
    let checker = SellChecker::new();
    proxy.set_default(Behaviour::NoStateOverrides);
    let result = checked(&reader, &checker).await;
    let whale = d.wallet(Role::Whale).address;
    let (outcome, detail) = outcome_of(&result, whale);
    assert_eq!(outcome, SellOutcome::NotEvaluated, "{detail}");
    assert!(detail.contains("invalid argument"), "{detail}");
    for w in result.wallets.iter().filter(|w| w.sell_check.is_some()) {
        let check = w.sell_check.as_ref().unwrap();
        assert_ne!(check.outcome, SellOutcome::Fails, "{}", check.detail);
    }
    proxy.set_default(Behaviour::Pass);
    let result = checked(&reader, &checker).await;
    let (outcome, detail) = outcome_of(&result, whale);
    assert_eq!(outcome, SellOutcome::Sells, "{detail}");
    // The oracle: the whale really sells through V2.
    let router = d.contracts.uniswap_v2_router;
    let amount = d.wallet(Role::Whale).pop_raw / U256::from(1000);
    d.exec(
        whale,
        d.contracts.pop,
        IERC20::approveCall {
            spender: router,
            value: amount,
        },
    )
    .await
    .unwrap();
    let receipt = d
        .exec(
            whale,
            router,
            popwatch::abi::IUniswapV2Router02::swapExactTokensForETHCall {
                amountIn: amount,
                amountOutMin: U256::ZERO,
                path: vec![d.contracts.pop, d.contracts.weth],
                to: whale,
                deadline: U256::from(u64::MAX),
            },
        )
        .await
        .unwrap();
    assert!(receipt.status());
}

/// A contract wallet (its `receive` writes storage, which V1's 2,300-gas stipend cannot pay)
/// holding POP where the only pool is the real Vyper V1 exchange: its sale is "cannot
/// receive", with the way out, not a failure of the token. The oracle: executed from the
/// wallet, `tokenToEthSwapInput` reverts and `tokenToEthTransferInput` to another address
/// pays that address.
#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_contract_wallet_under_v1s_stipend_is_told_its_way_out() {
    let scenario = Scenario {
        pools: PoolPlan {
            uniswap_v2_eth: U256::ZERO,
            sushiswap_eth: U256::ZERO,
            uniswap_v3: Vec::new(),
            ..Scenario::default().pools
        },
        ..Scenario::default()
    };
    let d = Devnet::start(scenario).await.unwrap();
    // PUSH1 1 PUSH1 0 SSTORE STOP: any call to it writes a fresh slot (20,000 gas).
    let safe = Address::repeat_byte(0x5a);
    d.set_code(
        safe,
        Bytes::from_static(&[0x60, 0x01, 0x60, 0x00, 0x55, 0x00]),
    )
    .await
    .unwrap();
    d.set_balance(safe, U256::from(10u64).pow(U256::from(18)))
        .await
        .unwrap();
    let amount = d.scenario.unit() * U256::from(1_000_000u64);
    d.transfer_pop(d.wallet(Role::Whale).address, safe, amount)
        .await
        .unwrap();
    let mut config: Config = d.config().unwrap();
    config.wallets = vec![WalletConfig {
        label: "Safe".into(),
        address: safe,
        ens: None,
    }];
    let reader = ChainReader::from_config(&config);
    let result = checked(&reader, &SellChecker::new()).await;
    let (outcome, detail) = outcome_of(&result, safe);
    assert_eq!(outcome, SellOutcome::CannotReceive, "{detail}");
    assert!(detail.contains("tokenToEthTransferInput"), "{detail}");

    // The oracle, executed from the wallet.
    let exchange = d.pools.uniswap_v1.unwrap();
    d.exec(
        safe,
        d.contracts.pop,
        IERC20::approveCall {
            spender: exchange,
            value: amount,
        },
    )
    .await
    .unwrap();
    let direct = d
        .exec(
            safe,
            exchange,
            IUniswapV1Exchange::tokenToEthSwapInputCall {
                tokens_sold: amount,
                min_eth: U256::from(1),
                deadline: U256::from(u64::MAX),
            },
        )
        .await;
    assert!(
        direct.is_err() || !direct.unwrap().status(),
        "V1 cannot pay the contract"
    );
    let recipient = Address::repeat_byte(0x77);
    let before = d.provider().get_balance(recipient).await.unwrap();
    let receipt = d
        .exec(
            safe,
            exchange,
            IUniswapV1Exchange::tokenToEthTransferInputCall {
                tokens_sold: amount,
                min_eth: U256::from(1),
                deadline: U256::from(u64::MAX),
                recipient,
            },
        )
        .await
        .unwrap();
    assert!(receipt.status());
    assert!(d.provider().get_balance(recipient).await.unwrap() > before);
}
