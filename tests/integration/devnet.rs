//! The devnet is real: every contract has code, the pools answer like the real venues, V3
//! quotes equal executed swaps, and wallets hold what the scenario says. Oracles: `cast`, and
//! executed transactions on an anvil snapshot that is then reverted.

use crate::support;

use alloy::primitives::{Address, U256, aliases::U24};
use alloy::providers::Provider;
use popwatch::abi::*;
use popwatch_devnet::{Devnet, Preset, Role, Scenario};
use support::{cast, cast_value};

async fn thin() -> Devnet {
    Devnet::start(Scenario::default())
        .await
        .expect("devnet starts")
}

fn far() -> U256 {
    U256::from(u64::MAX)
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn every_contract_and_pool_has_code() {
    let d = thin().await;
    let c = d.contracts;
    let mut all = vec![
        c.multicall3,
        c.weth,
        c.pop,
        c.uniswap_v2_factory,
        c.uniswap_v2_router,
        c.sushiswap_v2_factory,
        c.sushiswap_v2_router,
        c.uniswap_v3_factory,
        c.uniswap_v3_quoter,
        c.uniswap_v3_router,
        c.v3_helper,
        c.uniswap_v1_factory,
        c.eth_usd_feed,
        c.distributor,
    ];
    all.extend(d.pools.uniswap_v1);
    all.extend(d.pools.uniswap_v2);
    all.extend(d.pools.sushiswap);
    all.extend(d.pools.uniswap_v3.iter().map(|(_, p)| *p));
    assert_eq!(d.pools.uniswap_v3.len(), 2);
    for address in all {
        let code = cast(&["code", &address.to_string(), "-r", &d.url]);
        assert!(code.len() > 4, "no code at {address}");
    }
    // Multicall3 is the canonical one, at its canonical address.
    assert_eq!(
        c.multicall3,
        popwatch::config::Contracts::MAINNET.multicall3
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn multicall3_answers_the_block_number() {
    let d = thin().await;
    let head = d.provider().get_block_number().await.unwrap();
    let via_multicall = cast_value(&[
        "call",
        &d.contracts.multicall3.to_string(),
        "getBlockNumber()(uint256)",
        "-r",
        &d.url,
    ]);
    assert_eq!(via_multicall, head.to_string());
    assert!(head > d.scenario.start_block, "a realistic height: {head}");
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn v2_pairs_answer_reserves_and_routers_quote_by_the_v2_formula() {
    let d = thin().await;
    let c = d.contracts;
    for (pair, router, eth) in [
        (
            d.pools.uniswap_v2.unwrap(),
            c.uniswap_v2_router,
            d.scenario.pools.uniswap_v2_eth,
        ),
        (
            d.pools.sushiswap.unwrap(),
            c.sushiswap_v2_router,
            d.scenario.pools.sushiswap_eth,
        ),
    ] {
        let reserves = d
            .view(pair, IUniswapV2Pair::getReservesCall {})
            .await
            .unwrap();
        let token0 = d.view(pair, IUniswapV2Pair::token0Call {}).await.unwrap();
        let (r0, r1) = (U256::from(reserves.reserve0), U256::from(reserves.reserve1));
        let (pop_reserve, weth_reserve) = if token0 == c.pop { (r0, r1) } else { (r1, r0) };
        assert_eq!(weth_reserve, eth, "pool holds the scenario's ETH");
        assert_eq!(pop_reserve, d.scenario.pop_for_eth(eth));
        for amount in [
            U256::from(1u64),
            d.scenario.unit() * U256::from(1_000_000u64),
        ] {
            let out = d
                .view(
                    router,
                    IUniswapV2Router02::getAmountsOutCall {
                        amountIn: amount,
                        path: vec![c.pop, c.weth],
                    },
                )
                .await
                .unwrap();
            let with_fee = amount * U256::from(997);
            let formula = with_fee * weth_reserve / (pop_reserve * U256::from(1000) + with_fee);
            assert_eq!(out[1], formula, "{pair} amount {amount}");
        }
    }
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn v3_quoter_equals_an_executed_swap_for_each_pool() {
    let d = thin().await;
    let c = d.contracts;
    let whale = d.wallet(Role::Whale).clone();
    let unit = d.scenario.unit();
    for &(fee, pool) in &d.pools.uniswap_v3 {
        // A small sell, and one large enough to cross the narrow position's edge.
        for amount in [
            unit * U256::from(100_000u64),
            unit * U256::from(60_000_000u64),
        ] {
            let quote = d
                .view(
                    c.uniswap_v3_quoter,
                    IQuoterV2::quoteExactInputSingleCall {
                        params: IQuoterV2::QuoteExactInputSingleParams {
                            tokenIn: c.pop,
                            tokenOut: c.weth,
                            amountIn: amount,
                            fee: U24::from(fee),
                            sqrtPriceLimitX96: Default::default(),
                        },
                    },
                )
                .await
                .unwrap();
            let snapshot = d.snapshot().await.unwrap();
            d.exec(
                whale.address,
                c.pop,
                IERC20::approveCall {
                    spender: c.uniswap_v3_router,
                    value: amount,
                },
            )
            .await
            .unwrap();
            d.exec(
                whale.address,
                c.uniswap_v3_router,
                ISwapRouter::exactInputSingleCall {
                    params: ISwapRouter::ExactInputSingleParams {
                        tokenIn: c.pop,
                        tokenOut: c.weth,
                        fee: U24::from(fee),
                        recipient: whale.address,
                        deadline: far(),
                        amountIn: amount,
                        amountOutMinimum: U256::ZERO,
                        sqrtPriceLimitX96: Default::default(),
                    },
                },
            )
            .await
            .unwrap();
            let received = d
                .view(
                    c.weth,
                    IERC20::balanceOfCall {
                        owner: whale.address,
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                received, quote.amountOut,
                "pool {pool} fee {fee} amount {amount}"
            );
            assert!(quote.amountOut > U256::ZERO);
            if amount > unit * U256::from(1_000_000u64) {
                assert!(
                    quote.initializedTicksCrossed >= 1,
                    "the large sell crosses a tick: {}",
                    quote.initializedTicksCrossed
                );
            }
            d.revert(snapshot).await.unwrap();
        }
    }
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn v1_standin_quotes_by_the_v1_formula_and_executes_at_its_quote() {
    let d = thin().await;
    let c = d.contracts;
    let exchange = d.pools.uniswap_v1.unwrap();
    assert_eq!(
        d.view(
            c.uniswap_v1_factory,
            IUniswapV1Factory::getExchangeCall { token: c.pop }
        )
        .await
        .unwrap(),
        exchange
    );
    let eth_reserve: U256 = cast_value(&["balance", &exchange.to_string(), "-r", &d.url])
        .parse()
        .unwrap();
    let pop_reserve: U256 = cast_value(&[
        "call",
        &c.pop.to_string(),
        "balanceOf(address)(uint256)",
        &exchange.to_string(),
        "-r",
        &d.url,
    ])
    .parse()
    .unwrap();
    assert_eq!(eth_reserve, d.scenario.pools.uniswap_v1_eth);
    let unit = d.scenario.unit();
    for amount in [
        U256::from(1u64),
        unit / U256::from(2),
        unit * U256::from(1_000u64),
        unit * U256::from(10_000_000u64),
        pop_reserve * U256::from(3),
    ] {
        let quote = d
            .view(
                exchange,
                IUniswapV1Exchange::getTokenToEthInputPriceCall {
                    tokens_sold: amount,
                },
            )
            .await
            .unwrap();
        let formula = amount * U256::from(997) * eth_reserve
            / (pop_reserve * U256::from(1000) + amount * U256::from(997));
        assert_eq!(quote, formula, "amount {amount}");
    }
    // Like V1: a zero amount reverts.
    assert!(
        d.view(
            exchange,
            IUniswapV1Exchange::getTokenToEthInputPriceCall {
                tokens_sold: U256::ZERO
            }
        )
        .await
        .is_err()
    );

    // An executed sale receives exactly the quote.
    let whale = d.wallet(Role::Whale).address;
    let amount = unit * U256::from(5_000_000u64);
    let quote = d
        .view(
            exchange,
            IUniswapV1Exchange::getTokenToEthInputPriceCall {
                tokens_sold: amount,
            },
        )
        .await
        .unwrap();
    let snapshot = d.snapshot().await.unwrap();
    d.exec(
        whale,
        c.pop,
        IERC20::approveCall {
            spender: exchange,
            value: amount,
        },
    )
    .await
    .unwrap();
    let before = d.provider().get_balance(exchange).await.unwrap();
    d.exec(
        whale,
        exchange,
        IUniswapV1Exchange::tokenToEthSwapInputCall {
            tokens_sold: amount,
            min_eth: U256::from(1),
            deadline: far(),
        },
    )
    .await
    .unwrap();
    let after = d.provider().get_balance(exchange).await.unwrap();
    assert_eq!(before - after, quote);
    d.revert(snapshot).await.unwrap();
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn every_wallet_holds_what_the_scenario_says() {
    let d = thin().await;
    let token = d.contracts.pop.to_string();
    assert_eq!(d.wallets.len(), 5);
    for w in &d.wallets {
        let address = w.address.to_string();
        let pop = cast_value(&[
            "call",
            &token,
            "balanceOf(address)(uint256)",
            &address,
            "-r",
            &d.url,
        ]);
        let eth = cast_value(&["balance", &address, "-r", &d.url]);
        assert_eq!(pop, w.pop_raw.to_string(), "{} POP", w.label);
        assert_eq!(eth, w.eth_wei.to_string(), "{} ETH", w.label);
    }
    // The roles the product needs: a whale, dust, an empty wallet, POP without ETH, an approval.
    assert_eq!(d.wallet(Role::Empty).pop_raw, U256::ZERO);
    assert_eq!(d.wallet(Role::NoEth).eth_wei, U256::ZERO);
    assert!(d.wallet(Role::NoEth).pop_raw > U256::ZERO);
    assert!(d.wallet(Role::Dust).pop_raw < d.scenario.unit());
    let allowance = cast_value(&[
        "call",
        &token,
        "allowance(address,address)(uint256)",
        &d.wallet(Role::Approver).address.to_string(),
        &d.contracts.uniswap_v2_router.to_string(),
        "-r",
        &d.url,
    ]);
    assert_ne!(allowance, "0");
    // Token facts as configured.
    assert_eq!(
        cast(&["call", &token, "name()(string)", "-r", &d.url]),
        "\"POP Network Token\""
    );
    assert_eq!(
        cast_value(&["call", &token, "totalSupply()(uint256)", "-r", &d.url]),
        d.scenario.supply_raw().to_string()
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn the_market_is_thin_a_whale_sale_moves_the_price_far_beyond_ten_percent() {
    let d = thin().await;
    let c = d.contracts;
    let whale = d.wallet(Role::Whale).pop_raw;
    let pair = d.pools.uniswap_v2.unwrap();
    let reserves = d
        .view(pair, IUniswapV2Pair::getReservesCall {})
        .await
        .unwrap();
    let token0 = d.view(pair, IUniswapV2Pair::token0Call {}).await.unwrap();
    let (r0, r1) = (U256::from(reserves.reserve0), U256::from(reserves.reserve1));
    let (pop_reserve, weth_reserve) = if token0 == c.pop { (r0, r1) } else { (r1, r0) };
    let out = d
        .view(
            c.uniswap_v2_router,
            IUniswapV2Router02::getAmountsOutCall {
                amountIn: whale,
                path: vec![c.pop, c.weth],
            },
        )
        .await
        .unwrap()[1];
    // Impact, fee excluded: 1 - out / (amount * spot * 0.997), in basis points.
    let ideal = whale * weth_reserve * U256::from(997) / (pop_reserve * U256::from(1000));
    let impact_bp = (ideal - out) * U256::from(10_000) / ideal;
    assert!(impact_bp > U256::from(1_000), "impact {impact_bp} bp");
    // And the pool is worth a few thousand dollars: 1 ETH a side at $3,000.
    assert!(weth_reserve <= U256::from(10u64).pow(U256::from(18)));
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn the_history_spreads_transfers_over_days_and_the_feed_is_fresh() {
    let d = thin().await;
    let head = d
        .provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        head.header.timestamp.abs_diff(now) < 600,
        "the head is about now"
    );
    let logs = cast(&[
        "logs",
        "--from-block",
        "0",
        "--address",
        &d.contracts.pop.to_string(),
        "Transfer(address indexed,address indexed,uint256)",
        "-r",
        &d.url,
        "--json",
    ]);
    let logs: Vec<serde_json::Value> = serde_json::from_str(&logs).unwrap();
    let times: Vec<u64> = logs
        .iter()
        .map(|l| {
            u64::from_str_radix(
                l["blockTimestamp"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("0x"),
                16,
            )
            .unwrap()
        })
        .collect();
    let (first, last) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
    assert!(now - first > 50 * 86_400, "history starts weeks ago");
    let age_days = (now - last) / 86_400;
    assert!(
        (4..=6).contains(&age_days),
        "the last Transfer is days old: {age_days}"
    );
    // The feed was updated at the head.
    let round = d
        .view(
            d.contracts.eth_usd_feed,
            IAggregatorV3::latestRoundDataCall {},
        )
        .await
        .unwrap();
    assert_eq!(round.updatedAt, U256::from(head.header.timestamp));
    assert_eq!(
        round.answer,
        alloy::primitives::I256::try_from(d.scenario.eth_usd_8dec).unwrap()
    );

    // Moving time keeps the feed fresh; a test can make it stale on purpose.
    d.advance_time(31 * 86_400).await.unwrap();
    let head2 = d
        .provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    let round = d
        .view(
            d.contracts.eth_usd_feed,
            IAggregatorV3::latestRoundDataCall {},
        )
        .await
        .unwrap();
    assert!(head2.header.timestamp >= head.header.timestamp + 31 * 86_400);
    assert_eq!(round.updatedAt, U256::from(head2.header.timestamp));
    d.set_feed_updated_at(d.scenario.eth_usd_8dec, head2.header.timestamp - 5 * 3600)
        .await
        .unwrap();
    let round = d
        .view(
            d.contracts.eth_usd_feed,
            IAggregatorV3::latestRoundDataCall {},
        )
        .await
        .unwrap();
    assert_eq!(
        round.updatedAt,
        U256::from(head2.header.timestamp - 5 * 3600)
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn snapshot_and_revert_restore_balances() {
    let d = thin().await;
    let whale = d.wallet(Role::Whale).clone();
    let id = d.snapshot().await.unwrap();
    d.exec(
        whale.address,
        d.contracts.pop,
        IERC20::transferCall {
            to: Address::repeat_byte(9),
            value: whale.pop_raw,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        d.view(
            d.contracts.pop,
            IERC20::balanceOfCall {
                owner: whale.address
            }
        )
        .await
        .unwrap(),
        U256::ZERO
    );
    d.revert(id).await.unwrap();
    assert_eq!(
        d.view(
            d.contracts.pop,
            IERC20::balanceOfCall {
                owner: whale.address
            }
        )
        .await
        .unwrap(),
        whale.pop_raw
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn presets_no_pools_and_deep() {
    let none = Devnet::start(Scenario::preset(Preset::NoPools))
        .await
        .unwrap();
    let c = none.contracts;
    assert_eq!(none.pools, Default::default());
    assert_eq!(
        none.view(
            c.uniswap_v2_factory,
            IUniswapV2Factory::getPairCall {
                tokenA: c.pop,
                tokenB: c.weth
            }
        )
        .await
        .unwrap(),
        Address::ZERO
    );
    assert_eq!(
        none.view(
            c.uniswap_v1_factory,
            IUniswapV1Factory::getExchangeCall { token: c.pop }
        )
        .await
        .unwrap(),
        Address::ZERO
    );
    drop(none);

    let deep = Devnet::start(Scenario::preset(Preset::Deep)).await.unwrap();
    let pair = deep.pools.uniswap_v2.unwrap();
    let reserves = deep
        .view(pair, IUniswapV2Pair::getReservesCall {})
        .await
        .unwrap();
    let weth_reserve = U256::from(reserves.reserve0).max(U256::from(reserves.reserve1));
    assert!(weth_reserve >= U256::from(100u64) * U256::from(10u64).pow(U256::from(18)));
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_thousand_wallets_are_funded_exactly() {
    let d = Devnet::start(Scenario::default().with_wallets(1_000))
        .await
        .unwrap();
    assert_eq!(d.wallets.len(), 1_000);
    for w in d.wallets.iter().step_by(37).chain(d.wallets.last()) {
        let pop = d
            .view(d.contracts.pop, IERC20::balanceOfCall { owner: w.address })
            .await
            .unwrap();
        let eth = d.provider().get_balance(w.address).await.unwrap();
        assert_eq!((pop, eth), (w.pop_raw, w.eth_wei), "{}", w.label);
    }
    // Holders differ: the sizes are "very different", not one value repeated.
    let distinct: std::collections::HashSet<_> = d.wallets.iter().map(|w| w.pop_raw).collect();
    assert!(distinct.len() > 900);
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn the_written_config_passes_popwatch_config_check() {
    let d = thin().await;
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("devnet.toml");
    std::fs::write(&path, d.config_toml()).unwrap();
    let out = assert_cmd::Command::cargo_bin("popwatch")
        .unwrap()
        .args(["config", "check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("5 wallet(s) watched"), "{text}");
    let config = d.config().unwrap();
    assert_eq!(config.chain.chain_id, 31337);
    assert_eq!(config.token.address, d.contracts.pop);
    let contracts = config.chain.contracts.resolve();
    assert_eq!(contracts.uniswap_v1_factory, d.contracts.uniswap_v1_factory);
    assert_eq!(contracts.eth_usd_feed, d.contracts.eth_usd_feed);
    assert_eq!(
        config.wallets.iter().map(|w| w.address).collect::<Vec<_>>(),
        d.wallets.iter().map(|w| w.address).collect::<Vec<_>>()
    );
}
