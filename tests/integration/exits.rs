//! Pools, quotes, exits, ladders, depth and sell checks against the devnet. Oracles: the
//! contracts' own quote functions (V1 `getTokenToEthInputPrice`, Router02 `getAmountsOut`,
//! QuoterV2) and swaps executed on an anvil snapshot, then reverted.

use alloy::primitives::{Address, U160, U256, aliases::U24};
use alloy::rpc::types::TransactionReceipt;
use popwatch::abi::*;
use popwatch::exit::compute::{self as exits, APPROVE_GAS_UNITS, PoolModel, leg_gas};
use popwatch::exit::quote::Quoting;
use popwatch::sources::chain::{ChainReader, SellChecker};
use popwatch::state::chain::{ChainReading, PoolReading};
use popwatch::state::exits::SellOutcome;
use popwatch_devnet::{Devnet, PoolPlan, Role, Scenario};

use popwatch::state::exits::Venue;

fn far() -> U256 {
    U256::from(u64::MAX)
}

async fn read(d: &Devnet) -> ChainReading {
    ChainReader::from_config(&d.config().unwrap())
        .read()
        .await
        .reading
        .unwrap()
}

/// What the venue's own contract quotes for selling `amount` POP in `pool`.
async fn contract_quote(d: &Devnet, pool: &PoolReading, amount: U256) -> Option<(U256, U160)> {
    let c = d.contracts;
    match pool.venue {
        Venue::UniswapV1 => d
            .view(
                pool.address,
                IUniswapV1Exchange::getTokenToEthInputPriceCall {
                    tokens_sold: amount,
                },
            )
            .await
            .ok()
            .map(|out| (out, U160::ZERO)),
        Venue::UniswapV2 | Venue::Sushiswap => {
            let router = if pool.venue == Venue::Sushiswap {
                c.sushiswap_v2_router
            } else {
                c.uniswap_v2_router
            };
            d.view(
                router,
                IUniswapV2Router02::getAmountsOutCall {
                    amountIn: amount,
                    path: vec![c.pop, c.weth],
                },
            )
            .await
            .ok()
            .map(|amounts| (amounts[1], U160::ZERO))
        }
        Venue::UniswapV3 => d
            .view(
                c.uniswap_v3_quoter,
                IQuoterV2::quoteExactInputSingleCall {
                    params: IQuoterV2::QuoteExactInputSingleParams {
                        tokenIn: c.pop,
                        tokenOut: c.weth,
                        amountIn: amount,
                        fee: U24::from(pool.fee_ppm),
                        sqrtPriceLimitX96: U160::ZERO,
                    },
                },
            )
            .await
            .ok()
            .map(|q| (q.amountOut, q.sqrtPriceX96After)),
    }
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn every_pool_is_found_and_quotes_equal_its_contract_to_the_wei() {
    // Both orders: POP as token1 (the devnet's default) and as token0, as on mainnet.
    for pop_is_token0 in [false, true] {
        quotes_equal_their_contracts(Scenario {
            pop_is_token0,
            ..Scenario::default()
        })
        .await;
    }
}

async fn quotes_equal_their_contracts(scenario: Scenario) {
    let d = Devnet::start(scenario).await.unwrap();
    assert_eq!(d.contracts.pop < d.contracts.weth, d.scenario.pop_is_token0);
    let reading = read(&d).await;
    let mut venues: Vec<_> = reading.pools.iter().map(|p| (p.venue, p.fee_ppm)).collect();
    venues.sort();
    assert_eq!(
        venues,
        [
            (Venue::UniswapV1, 3000),
            (Venue::UniswapV2, 3000),
            (Venue::Sushiswap, 3000),
            (Venue::UniswapV3, 3000),
            (Venue::UniswapV3, 10000)
        ]
    );
    let unit = d.scenario.unit();
    let mut amounts = vec![U256::from(1u64), unit / U256::from(2)];
    amounts.extend(exits::LADDER_WHOLE.iter().map(|w| U256::from(*w) * unit));
    amounts.extend(d.wallets.iter().map(|w| w.pop_raw).filter(|p| !p.is_zero()));
    for pool in &reading.pools {
        let model = PoolModel(pool);
        let mut pool_amounts = amounts.clone();
        // More than the pool holds.
        pool_amounts.push(pool.pop_reserve_raw * U256::from(3));
        for &amount in &pool_amounts {
            let ours = model.quote_detail(amount);
            let theirs = contract_quote(&d, pool, amount)
                .await
                .expect("the contract quotes");
            match ours {
                Ok(out) => assert_eq!(
                    out, theirs.0,
                    "{:?} {} amount {amount}",
                    pool.venue, pool.fee_ppm
                ),
                Err(e) => {
                    // Only V3 can refuse, and only when the quoter itself stopped at the price
                    // limit without selling everything.
                    assert_eq!(pool.venue, Venue::UniswapV3, "{e}");
                    assert!(e.contains("cannot absorb"), "{e}");
                    let limit_hit = theirs.1 == U160::from(4295128740u64)
                        || theirs.1
                            == U160::from_str_radix(
                                "1461446703485210103287273052203988822378723970341",
                                10,
                            )
                            .unwrap();
                    assert!(
                        limit_hit,
                        "the quoter did not stop at the limit: {:?}",
                        theirs.1
                    );
                }
            }
        }
    }
}

async fn execute_v3_sell(d: &Devnet, from: Address, fee: u32, amount: U256) -> U256 {
    let c = d.contracts;
    // The allowance is the amount plus the fee tier: after a revert to the same snapshot, the
    // same sale in another tier would otherwise send a transaction identical to one anvil
    // has already seen (same hash), which it may never mine again (a receipt never came,
    // once, under load). The swap still sells exactly `amount`.
    d.exec(
        from,
        c.pop,
        IERC20::approveCall {
            spender: c.uniswap_v3_router,
            value: amount + U256::from(fee),
        },
    )
    .await
    .unwrap();
    let before = d
        .view(c.weth, IERC20::balanceOfCall { owner: from })
        .await
        .unwrap();
    d.exec(
        from,
        c.uniswap_v3_router,
        ISwapRouter::exactInputSingleCall {
            params: ISwapRouter::ExactInputSingleParams {
                tokenIn: c.pop,
                tokenOut: c.weth,
                fee: U24::from(fee),
                recipient: from,
                deadline: far(),
                amountIn: amount,
                amountOutMinimum: U256::ZERO,
                sqrtPriceLimitX96: U160::ZERO,
            },
        },
    )
    .await
    .unwrap();
    d.view(c.weth, IERC20::balanceOfCall { owner: from })
        .await
        .unwrap()
        - before
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn v3_quotes_equal_executed_swaps_also_across_ticks() {
    for pop_is_token0 in [false, true] {
        v3_quotes_equal_executed_swaps(Scenario {
            pop_is_token0,
            ..Scenario::default()
        })
        .await;
    }
}

async fn v3_quotes_equal_executed_swaps(scenario: Scenario) {
    let d = Devnet::start(scenario).await.unwrap();
    let reading = read(&d).await;
    let whale = d.wallet(Role::Whale).address;
    let unit = d.scenario.unit();
    for pool in reading.pools.iter().filter(|p| p.venue == Venue::UniswapV3) {
        let v3 = pool.v3.as_ref().unwrap();
        // Two positions: their two upper (or lower) ticks lie in the selling direction.
        assert!(v3.liquidity_net.len() >= 2, "{:?}", v3.liquidity_net);
        for whole in [1u64, 100_000, 60_000_000, 150_000_000] {
            let amount = U256::from(whole) * unit;
            let ours = PoolModel(pool).quote(amount).expect("absorbable");
            let snapshot = d.snapshot().await.unwrap();
            let executed = execute_v3_sell(&d, whale, pool.fee_ppm, amount).await;
            d.revert(snapshot).await.unwrap();
            assert_eq!(ours, executed, "fee {} amount {whole} POP", pool.fee_ppm);
        }
        // The large sells crossed the narrow position's edge.
        let (_, after) = contract_quote(&d, pool, U256::from(150_000_000u64) * unit)
            .await
            .unwrap();
        let crossed = d
            .view(
                d.contracts.uniswap_v3_quoter,
                IQuoterV2::quoteExactInputSingleCall {
                    params: IQuoterV2::QuoteExactInputSingleParams {
                        tokenIn: d.contracts.pop,
                        tokenOut: d.contracts.weth,
                        amountIn: U256::from(150_000_000u64) * unit,
                        fee: U24::from(pool.fee_ppm),
                        sqrtPriceLimitX96: U160::ZERO,
                    },
                },
            )
            .await
            .unwrap()
            .initializedTicksCrossed;
        assert!(
            crossed >= 1,
            "fee {}: {crossed} ticks crossed ({after})",
            pool.fee_ppm
        );
    }
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_whale_splits_a_dust_wallet_does_not_and_legs_equal_their_pools() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let reading = read(&d).await;
    let result = exits::compute(&reading, 18);
    let by_address = |role: Role| {
        result
            .wallets
            .iter()
            .find(|w| w.address == d.wallet(role).address)
            .unwrap()
    };

    let whale = by_address(Role::Whale);
    let exit = whale.exit.as_ref().unwrap();
    assert!(exit.legs.len() >= 2, "the whale's exit splits: {exit:?}");
    assert_eq!(exit.venue_name(), "split");
    let total: U256 = exit.legs.iter().map(|l| l.pop_raw).sum();
    assert_eq!(
        total,
        d.wallet(Role::Whale).pop_raw,
        "legs add up to the balance"
    );
    for leg in &exit.legs {
        let pool = reading
            .pools
            .iter()
            .find(|p| p.address == leg.pool)
            .unwrap();
        let (theirs, _) = contract_quote(&d, pool, leg.pop_raw).await.unwrap();
        assert_eq!(leg.eth_out_wei, theirs, "leg in {:?}", leg.venue);
    }
    // The split beats the best single pool net of gas.
    let gas_price = reading.gas_price_wei.unwrap();
    let best_single = whale
        .quotes
        .iter()
        .filter_map(|q| {
            Some(
                alloy::primitives::I256::from_raw(q.eth_out_wei?)
                    - alloy::primitives::I256::from_raw(
                        // The whale approved no venue: each leg pays its approve.
                        U256::from(leg_gas(q.venue).units(true)) * gas_price,
                    ),
            )
        })
        .max()
        .unwrap();
    assert!(exit.net_eth_wei().unwrap() > best_single);
    assert!(
        exit.price_impact_pct > 10.0,
        "the thin market moves: {}",
        exit.price_impact_pct
    );

    let dust = by_address(Role::Dust);
    let exit = dust.exit.as_ref().unwrap();
    assert_eq!(
        exit.legs.len(),
        1,
        "a second leg's gas costs more than it gains"
    );
    assert!(
        exit.net_eth_wei().unwrap().is_negative(),
        "dust is worth less than the gas of selling it"
    );

    // No POP, no exit.
    assert!(by_address(Role::Empty).exit.is_none());

    // The portfolio sold together fetches less than the sum of the wallets' exits.
    let portfolio = result.portfolio_exit.as_ref().unwrap();
    let sum: U256 = result
        .wallets
        .iter()
        .filter_map(|w| w.exit.as_ref())
        .map(|e| e.eth_out_wei)
        .sum();
    assert!(
        portfolio.eth_out_wei < sum,
        "{} !< {sum}",
        portfolio.eth_out_wei
    );
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn depths_are_exact_to_one_pop() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let reading = read(&d).await;
    let result = exits::compute(&reading, 18);
    let unit = d.scenario.unit();
    for pool in &result.pools {
        let model = PoolModel(
            reading
                .pools
                .iter()
                .find(|p| p.address == pool.address)
                .unwrap(),
        );
        let impact = |amount: U256| model.quote(amount).map(|out| model.impact_pct(amount, out));
        for (pct, amount) in &pool.sellable_within {
            let amount = amount.expect("1 POP moves no thin pool by 1%");
            assert!(impact(amount).unwrap() <= *pct, "{:?} {pct}%", pool.venue);
            assert!(
                impact(amount + unit).is_none_or(|i| i > *pct),
                "{:?} {pct}%: one more POP still fits",
                pool.venue
            );
        }
        let mut sizes: Vec<U256> = exits::LADDER_WHOLE
            .iter()
            .map(|w| U256::from(*w) * unit)
            .collect();
        sizes.extend(d.wallets.iter().map(|w| w.pop_raw).filter(|p| !p.is_zero()));
        sizes.sort();
        sizes.dedup();
        assert_eq!(
            pool.ladder.iter().map(|l| l.pop_raw).collect::<Vec<_>>(),
            sizes
        );
    }
}

/// approve + swap from a wallet in `pool` of `venue`, on a snapshot: the gas a sale really
/// costs, as (the approve's, the swap's).
async fn executed_sell_gas(
    d: &Devnet,
    venue: Venue,
    pool: Address,
    seller: Address,
    amount: U256,
) -> (u64, u64) {
    let snapshot = d.snapshot().await.unwrap();
    let (approve, swap) = execute_leg(d, venue, pool, seller, amount, true).await;
    d.revert(snapshot).await.unwrap();
    (approve.unwrap().gas_used, swap.gas_used)
}

/// Sells `amount` from `seller` in `pool` of `venue` for real, with an `approve` of the
/// amount first when `approve`: the receipts of (the approve, the swap).
async fn execute_leg(
    d: &Devnet,
    venue: Venue,
    pool: Address,
    seller: Address,
    amount: U256,
    approve: bool,
) -> (Option<TransactionReceipt>, TransactionReceipt) {
    let c = d.contracts;
    let spender = match venue {
        Venue::UniswapV1 => pool,
        Venue::UniswapV2 => c.uniswap_v2_router,
        Venue::Sushiswap => c.sushiswap_v2_router,
        Venue::UniswapV3 => c.uniswap_v3_router,
    };
    let approved = if approve {
        Some(
            d.exec(
                seller,
                c.pop,
                IERC20::approveCall {
                    spender,
                    value: amount,
                },
            )
            .await
            .unwrap(),
        )
    } else {
        None
    };
    let swap = match venue {
        Venue::UniswapV1 => d
            .exec(
                seller,
                pool,
                IUniswapV1Exchange::tokenToEthSwapInputCall {
                    tokens_sold: amount,
                    min_eth: U256::from(1),
                    deadline: far(),
                },
            )
            .await
            .unwrap(),
        Venue::UniswapV2 | Venue::Sushiswap => {
            let router = if venue == Venue::Sushiswap {
                c.sushiswap_v2_router
            } else {
                c.uniswap_v2_router
            };
            d.exec(
                seller,
                router,
                IUniswapV2Router02::swapExactTokensForETHCall {
                    amountIn: amount,
                    amountOutMin: U256::ZERO,
                    path: vec![c.pop, c.weth],
                    to: seller,
                    deadline: far(),
                },
            )
            .await
            .unwrap()
        }
        Venue::UniswapV3 => {
            let fee = d
                .pools
                .uniswap_v3
                .iter()
                .find(|&&(_, p)| p == pool)
                .expect("a devnet V3 pool")
                .0;
            d.exec(
                seller,
                c.uniswap_v3_router,
                ISwapRouter::exactInputSingleCall {
                    params: ISwapRouter::ExactInputSingleParams {
                        tokenIn: c.pop,
                        tokenOut: c.weth,
                        fee: U24::from(fee),
                        recipient: seller,
                        deadline: far(),
                        amountIn: amount,
                        amountOutMinimum: U256::ZERO,
                        sqrtPriceLimitX96: U160::ZERO,
                    },
                },
            )
            .await
            .unwrap()
        }
    };
    (approved, swap)
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn gas_units_match_executed_sells() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let reading = read(&d).await;
    let unit = d.scenario.unit();
    let mut ticks_crossed = 0;
    for pool in &reading.pools {
        let venue = pool.venue;
        // The V3 sizes cross the devnet's initialized ticks (a bitmap word further for the
        // largest).
        for (role, whole) in [
            (Role::Whale, 1_000u64),
            (Role::Whale, 50_000_000),
            (Role::Whale, 72_000_000),
            (Role::Whale, 100_000_000),
            (Role::Approver, 1_000_000),
        ] {
            let amount = U256::from(whole) * unit;
            let (approve, swap) =
                executed_sell_gas(&d, venue, pool.address, d.wallet(role).address, amount).await;
            let model = PoolModel(pool).leg_gas(amount);
            let crossed = pool.v3.as_ref().map(|v3| v3.ticks_crossed(amount).unwrap());
            ticks_crossed += crossed.map_or(0, |(ticks, _)| ticks);
            eprintln!(
                "{venue} {}: {whole} POP from {role:?} (ticks and words crossed: {crossed:?}): approve {approve} + swap {swap} gas (model {} + {})",
                pool.address, model.approve, model.swap
            );
            let off = swap.abs_diff(model.swap) as f64 / swap as f64;
            assert!(
                off <= 0.10,
                "{venue}: the swap model {} is {:.0}% off the executed {swap}",
                model.swap,
                off * 100.0
            );
            // From a zero allowance (the whale) the approve costs the constant; over an
            // existing one (the approver's) less, never more.
            assert!(approve <= APPROVE_GAS_UNITS, "{venue}: approve {approve}");
            if role == Role::Whale {
                let off = approve.abs_diff(APPROVE_GAS_UNITS) as f64 / approve as f64;
                assert!(
                    off <= 0.10,
                    "{venue}: approve {approve} vs {APPROVE_GAS_UNITS}"
                );
            }
        }
    }
    assert!(ticks_crossed > 0, "the V3 sizes cross initialized ticks");
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn an_allowance_that_covers_the_sale_saves_the_approve() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let whale = d.wallet(Role::Whale).address;
    let approver = d.wallet(Role::Approver);
    // The whale approves every venue's spender for good; the approver's 5M allowance to the
    // V2 router (from the devnet's history) is short of its balance.
    let c = d.contracts;
    let mut spenders = vec![
        c.uniswap_v2_router,
        c.sushiswap_v2_router,
        c.uniswap_v3_router,
    ];
    spenders.extend(d.pools.uniswap_v1);
    for spender in spenders {
        d.exec(
            whale,
            c.pop,
            IERC20::approveCall {
                spender,
                value: U256::MAX,
            },
        )
        .await
        .unwrap();
    }
    let reading = read(&d).await;
    let approver_v2: U256 = d
        .view(
            c.pop,
            IERC20::allowanceCall {
                owner: approver.address,
                spender: c.uniswap_v2_router,
            },
        )
        .await
        .unwrap();
    assert!(!approver_v2.is_zero() && approver_v2 < approver.pop_raw);
    let exits = exits::compute(&reading, 18);
    for wallet in [whale, approver.address] {
        let exit = exits
            .wallets
            .iter()
            .find(|w| w.address == wallet)
            .and_then(|w| w.exit.clone())
            .unwrap();
        // Oracle: each leg executed from the wallet on a snapshot, with its approve where the
        // allowance (read from the token through eth_call) is short of the leg.
        let mut executed = 0u64;
        for leg in &exit.legs {
            let allowance: U256 = d
                .view(
                    c.pop,
                    IERC20::allowanceCall {
                        owner: wallet,
                        spender: match leg.venue {
                            Venue::UniswapV1 => leg.pool,
                            Venue::UniswapV2 => c.uniswap_v2_router,
                            Venue::Sushiswap => c.sushiswap_v2_router,
                            Venue::UniswapV3 => c.uniswap_v3_router,
                        },
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                leg.needs_approve,
                allowance < leg.pop_raw,
                "{wallet}: a {} leg with allowance {allowance}",
                leg.venue
            );
            let (approve, swap) =
                executed_sell_gas(&d, leg.venue, leg.pool, wallet, leg.pop_raw).await;
            executed += swap + if leg.needs_approve { approve } else { 0 };
        }
        let off = executed.abs_diff(exit.gas_units) as f64 / executed as f64;
        assert!(
            off <= 0.10,
            "{wallet}: exit gas {} vs executed {executed}",
            exit.gas_units
        );
        let gas_price = reading.gas_price_wei.unwrap();
        assert_eq!(
            exit.gas_cost_wei,
            Some(U256::from(exit.gas_units) * gas_price)
        );
    }
    let whale_exit = exits
        .wallets
        .iter()
        .find(|w| w.address == whale)
        .and_then(|w| w.exit.clone())
        .unwrap();
    assert!(whale_exit.legs.iter().all(|l| !l.needs_approve));
    let swaps_only: u64 = whale_exit
        .legs
        .iter()
        .map(|l| {
            let pool = reading.pools.iter().find(|p| p.address == l.pool).unwrap();
            PoolModel(pool).leg_gas(l.pop_raw).units(false)
        })
        .sum();
    assert_eq!(whale_exit.gas_units, swaps_only);
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn sell_check_passes_for_a_plain_token_and_fails_when_paused_or_taxed() {
    // Plain: every wallet with an exit can sell.
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = d.config().unwrap();
    let reader = ChainReader::from_config(&config);
    let checker = SellChecker::new();
    let reading = reader.read().await.reading.unwrap();
    let mut result = exits::compute(&reading, 18);
    checker.check(&reader, &mut result, reading.block).await;
    for w in result.wallets.iter().filter(|w| w.exit.is_some()) {
        let check = w.sell_check.as_ref().unwrap();
        // A balance whose best sale fetches 0 wei is too small to sell, never a failure.
        let expected = if w.exit.as_ref().unwrap().eth_out_wei.is_zero() {
            SellOutcome::TooSmall
        } else {
            SellOutcome::Sells
        };
        assert_eq!(check.outcome, expected, "{}: {}", w.address, check.detail);
    }

    // Paused: the simulated sale reverts, with the token's reason.
    d.exec(
        d.deployer,
        d.contracts.pop,
        IDevToken::setPausedCall { paused_: true },
    )
    .await
    .unwrap();
    let reading = reader.read().await.reading.unwrap();
    let mut result = exits::compute(&reading, 18);
    checker.check(&reader, &mut result, reading.block).await;
    let whale = result
        .wallets
        .iter()
        .find(|w| w.address == d.wallet(Role::Whale).address)
        .unwrap();
    let check = whale.sell_check.as_ref().unwrap();
    // The routers swallow the token's reason (and V1's Vyper asserts give none); the
    // token's own transfer, simulated beside, names it.
    assert!(
        check.outcome == SellOutcome::Fails && check.detail.contains("paused"),
        "{}",
        check.detail
    );

    // A 1% fee on transfers: Uniswap V2 refuses the sale (its K check).
    let taxed = Scenario {
        token_fee_bps: 100,
        pools: PoolPlan {
            uniswap_v1_eth: U256::ZERO,
            sushiswap_eth: U256::ZERO,
            uniswap_v3: Vec::new(),
            ..Scenario::default().pools
        },
        ..Scenario::default()
    };
    let d = Devnet::start(taxed).await.unwrap();
    let reader = ChainReader::from_config(&d.config().unwrap());
    let reading = reader.read().await.reading.unwrap();
    let mut result = exits::compute(&reading, 18);
    checker.check(&reader, &mut result, reading.block).await;
    let whale = result
        .wallets
        .iter()
        .find(|w| w.address == d.wallet(Role::Whale).address)
        .unwrap();
    let check = whale.sell_check.as_ref().unwrap();
    assert_eq!(check.outcome, SellOutcome::Fails, "{}", check.detail);
    assert!(check.detail.contains("reverts"), "{}", check.detail);
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn spot_is_each_pools_marginal_price_and_the_deepest_pool_sets_the_onchain_price() {
    for pop_is_token0 in [true, false] {
        // A V3 pool whose one position spans [p/4, 1.21p]: its balances say a price far from
        // its slot0's. Beside it, a thinner V1 and V2 pool.
        let scenario = Scenario {
            pop_is_token0,
            pools: PoolPlan {
                uniswap_v1_eth: U256::from(10u64).pow(U256::from(17)),
                uniswap_v2_eth: U256::from(10u64).pow(U256::from(17)),
                sushiswap_eth: U256::ZERO,
                uniswap_v3: vec![(3000, U256::from(10u64).pow(U256::from(18)))],
                v3_lopsided: true,
            },
            ..Scenario::default()
        };
        let d = Devnet::start(scenario).await.unwrap();
        let config = d.config().unwrap();
        let mut source = popwatch::sources::chain::ChainSource::new(&config);
        let mut state = popwatch::state::AppState::new(&config);
        for update in crate::support::refresh_once(&mut source).await.0 {
            state.apply(update);
        }
        assert_eq!(state.pools.len(), 3, "token0 {pop_is_token0}");
        // Oracle: the venue's own quote of a tiny sale (1 POP), the fee taken back out.
        let reading = read(&d).await;
        for pool in &state.pools {
            let read_pool = reading
                .pools
                .iter()
                .find(|p| p.address == pool.address)
                .unwrap();
            let amount = d.scenario.unit();
            let (out, _) = contract_quote(&d, read_pool, amount).await.unwrap();
            let marginal =
                f64::from(out) / f64::from(amount) / (1.0 - f64::from(pool.fee_ppm) / 1e6);
            let off = (pool.spot_weth_per_pop / marginal - 1.0).abs();
            assert!(
                off < 1e-4,
                "token0 {pop_is_token0}: {} spot {} vs the quoted marginal price {marginal}",
                pool.venue,
                pool.spot_weth_per_pop
            );
        }
        let v3 = state
            .pools
            .iter()
            .find(|p| p.venue == Venue::UniswapV3)
            .unwrap();
        let by_balances = f64::from(v3.weth_reserve_wei) / f64::from(v3.pop_reserve_raw);
        assert!(
            by_balances / v3.spot_weth_per_pop > 2.0 || v3.spot_weth_per_pop / by_balances > 2.0,
            "the lopsided position's balances ({by_balances}) are far from its price ({})",
            v3.spot_weth_per_pop
        );
        // The V3 pool absorbs the most within 1% (checked on its own quotes: a 1% sale there is
        // larger than the others'); the on-chain price is its spot, not its balances' ratio.
        let within_1pct = |venue: Venue| {
            let p = state.pools.iter().find(|p| p.venue == venue).unwrap();
            p.sellable_within[0].1.unwrap()
        };
        assert!(within_1pct(Venue::UniswapV3) > within_1pct(Venue::UniswapV1));
        assert!(within_1pct(Venue::UniswapV3) > within_1pct(Venue::UniswapV2));
        let eth_usd = state.eth_usd.as_ref().unwrap().price();
        let expected = v3.spot_weth_per_pop * eth_usd;
        let onchain = state.onchain_price_usd().unwrap();
        assert!(
            (onchain / expected - 1.0).abs() < 1e-9,
            "on-chain {onchain} vs the V3 spot {expected}"
        );
        // Liquidity is what the pool holds at its own price, not twice its ETH.
        let liquidity = popwatch::state::figures::pool_liquidity_usd(&state, v3).unwrap();
        let held = (f64::from(v3.pop_reserve_raw) * v3.spot_weth_per_pop
            + f64::from(v3.weth_reserve_wei))
            / 1e18
            * eth_usd;
        assert!((liquidity / held - 1.0).abs() < 1e-9);
    }
}

/// Executes `exit`'s legs from `wallet` (each approve where the leg needs one): what the
/// wallet received (ETH and WETH, since V3's router pays WETH, with the gas it paid put back)
/// and the gas used.
async fn execute_sale(
    d: &Devnet,
    wallet: Address,
    exit: &popwatch::state::exits::Exit,
) -> (U256, u64) {
    use alloy::providers::Provider;
    let holdings = || async {
        let eth = d.provider().get_balance(wallet).await.unwrap();
        let weth: U256 = d
            .view(d.contracts.weth, IERC20::balanceOfCall { owner: wallet })
            .await
            .unwrap();
        eth + weth
    };
    let before = holdings().await;
    let (mut paid, mut gas_used) = (U256::ZERO, 0u64);
    for leg in &exit.legs {
        let (approve, swap) = execute_leg(
            d,
            leg.venue,
            leg.pool,
            wallet,
            leg.pop_raw,
            leg.needs_approve,
        )
        .await;
        for receipt in approve.iter().chain([&swap]) {
            assert!(receipt.status(), "{:?} leg of {wallet}", leg.venue);
            gas_used += receipt.gas_used;
            paid += U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price);
        }
    }
    (holdings().await + paid - before, gas_used)
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn the_portfolio_plan_executes_as_planned() {
    use popwatch::exit::plan::{FIRST_TRANSFER_EXTRA_GAS_UNITS, TRANSFER_GAS_UNITS};
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let reading = read(&d).await;
    let exits = exits::compute(&reading, 18);
    let plan = exits.portfolio_plan.clone().unwrap();
    assert_eq!(plan.kind, popwatch::state::exits::PlanKind::EachWalletSells);
    assert_eq!(exits.portfolio_exit.as_ref(), Some(&plan.exit));
    // The wallet without ETH cannot pay its gas, the dust wallet's sale fetches less than its
    // gas: both left out, named with the reason.
    let excluded = |role: Role| {
        plan.excluded
            .iter()
            .find(|e| e.wallet == d.wallet(role).address)
            .map(|e| e.reason.clone())
    };
    assert!(
        excluded(Role::NoEth).unwrap().contains("holds 0 ETH"),
        "{plan:?}"
    );
    assert!(excluded(Role::Dust).unwrap().contains("less than its gas"));
    let sellers: Vec<Address> = plan.sales.iter().map(|s| s.wallet).collect();
    assert_eq!(
        sellers,
        [
            d.wallet(Role::Whale).address,
            d.wallet(Role::Approver).address
        ],
        "the largest first"
    );

    // Oracle: the plan's transactions executed in order, each wallet from its own address.
    let gas_price = reading.gas_price_wei.unwrap();
    let snapshot = d.snapshot().await.unwrap();
    let mut gross = U256::ZERO;
    let mut gas_used = 0u64;
    for sale in &plan.sales {
        let (received, gas) = execute_sale(&d, sale.wallet, &sale.exit).await;
        gross += received;
        gas_used += gas;
    }
    assert_eq!(gross, plan.exit.eth_out_wei, "the plan's gross, to the wei");
    let off = gas_used.abs_diff(plan.exit.gas_units) as f64 / gas_used as f64;
    assert!(
        off <= 0.10,
        "plan gas {} vs executed {gas_used}",
        plan.exit.gas_units
    );
    assert_eq!(
        plan.exit.gas_cost_wei,
        Some(U256::from(plan.exit.gas_units) * gas_price)
    );

    // Consolidating into the whale (the most ETH) first saves the approver's approve and
    // legs for one transfer: offered, with figures that execute as planned.
    d.revert(snapshot).await.unwrap();
    let snapshot = d.snapshot().await.unwrap();
    let whale = d.wallet(Role::Whale).address;
    let alternative = plan
        .alternative
        .as_deref()
        .expect("consolidating nets more");
    assert_eq!(
        alternative.kind,
        popwatch::state::exits::PlanKind::ConsolidateThenSell { into: whale }
    );
    assert!(alternative.exit.net_eth_wei() > plan.exit.net_eth_wei());
    let moved: Vec<Address> = alternative.transfers.iter().map(|t| t.from).collect();
    assert_eq!(moved, [d.wallet(Role::Approver).address], "{alternative:?}");
    let mut gas_used = 0u64;
    for t in &alternative.transfers {
        let receipt = d
            .exec(
                t.from,
                d.contracts.pop,
                IERC20::transferCall {
                    to: whale,
                    value: t.pop_raw,
                },
            )
            .await
            .unwrap();
        gas_used += receipt.gas_used;
    }
    let (received, gas) = execute_sale(&d, whale, &alternative.sales[0].exit).await;
    gas_used += gas;
    assert_eq!(received, alternative.exit.eth_out_wei);
    let off = gas_used.abs_diff(alternative.exit.gas_units) as f64 / gas_used as f64;
    assert!(off <= 0.10, "{} vs {gas_used}", alternative.exit.gas_units);

    // The transfer a consolidation sends, measured: to a wallet holding POP, and to one
    // holding none.
    d.revert(snapshot).await.unwrap();
    let approver = d.wallet(Role::Approver).address;
    for (to, expected) in [
        (d.wallet(Role::Whale).address, TRANSFER_GAS_UNITS),
        (
            Address::repeat_byte(0x42),
            TRANSFER_GAS_UNITS + FIRST_TRANSFER_EXTRA_GAS_UNITS,
        ),
    ] {
        let receipt = d
            .exec(
                approver,
                d.contracts.pop,
                IERC20::transferCall {
                    to,
                    value: U256::from(1u8),
                },
            )
            .await
            .unwrap();
        eprintln!("transfer to {to}: {} gas", receipt.gas_used);
        let off = receipt.gas_used.abs_diff(expected) as f64 / receipt.gas_used as f64;
        assert!(off <= 0.10, "transfer {} vs {expected}", receipt.gas_used);
    }
}

/// A plan is kept while the pools and wallets stand still and the gas price moves less than
/// 5%: the same transactions, their gas priced again, equal to a plan made afresh; past 5%,
/// or when a balance moves, it is made again.
#[test]
fn a_kept_plan_is_repriced_and_made_again_when_it_no_longer_holds() {
    use popwatch::exit::plan::{PlanCache, plan};
    use popwatch_devnet::reading::ReadingBuilder;
    let e18 = |n: u64| U256::from(n) * U256::from(10u64).pow(U256::from(18));
    let reading = |gas_gwei: u64, whale_pop: u64| {
        ReadingBuilder::new(time::OffsetDateTime::UNIX_EPOCH)
            .v2_pool(Address::repeat_byte(0x99), e18(300_000_000), e18(1))
            .wallet(Address::repeat_byte(1), e18(whale_pop), e18(2))
            .wallet(Address::repeat_byte(2), e18(5_000_000), e18(1))
            .gas_price(Some(U256::from(gas_gwei) * U256::from(1_000_000_000u64)))
            .build()
    };
    // Each wallet's own route, as the exit maths finds it.
    let routes = |r: &popwatch::state::chain::ChainReading| exits::compute(r, 18).wallets;
    let mut cache = PlanCache::default();
    let first = cache
        .plan(&reading(20, 40_000_000), &routes(&reading(20, 40_000_000)))
        .unwrap();
    assert_eq!(
        Some(&first),
        plan(&reading(20, 40_000_000), &routes(&reading(20, 40_000_000))).as_ref()
    );
    // 2.5% dearer gas: the kept plan, repriced, is what a fresh one would be.
    let nudged = {
        let mut r = reading(20, 40_000_000);
        r.gas_price_wei = Some(U256::from(20_500_000_000u64));
        r
    };
    let kept = cache.plan(&nudged, &routes(&nudged)).unwrap();
    assert_eq!(Some(&kept), plan(&nudged, &routes(&nudged)).as_ref());
    assert_eq!(
        kept.exit.gas_cost_wei,
        Some(U256::from(kept.exit.gas_units) * U256::from(20_500_000_000u64))
    );
    // 50% dearer gas, or a balance that moved: made again.
    let dear = reading(30, 40_000_000);
    assert_eq!(
        cache.plan(&dear, &routes(&dear)),
        plan(&dear, &routes(&dear))
    );
    let moved = reading(20, 30_000_000);
    assert_eq!(
        cache.plan(&moved, &routes(&moved)),
        plan(&moved, &routes(&moved))
    );
    assert_ne!(
        cache.plan(&moved, &routes(&moved)).unwrap().exit,
        first.exit
    );
}

/// A wallet whose POP balance could not be read is in no plan, and the plan says so.
#[test]
fn a_wallet_whose_balance_is_unknown_is_named_not_silently_dropped() {
    use popwatch::state::chain::WalletBalance;
    use popwatch_devnet::reading::ReadingBuilder;
    let e18 = |n: u64| U256::from(n) * U256::from(10u64).pow(U256::from(18));
    let reading = ReadingBuilder::new(time::OffsetDateTime::UNIX_EPOCH)
        .v2_pool(Address::repeat_byte(0x99), e18(300_000_000), e18(1))
        .wallet(Address::repeat_byte(1), e18(1_000_000), e18(1))
        .balance(WalletBalance {
            address: Address::repeat_byte(2),
            pop_raw: None,
            eth_wei: Some(e18(1)),
            allowances: Vec::new(),
        })
        .gas_price(Some(U256::from(1_000_000_000u64)))
        .build();
    let plan = popwatch::exit::plan::plan(&reading, &exits::compute(&reading, 18).wallets).unwrap();
    assert_eq!(plan.sales.len(), 1);
    assert!(
        plan.excluded
            .iter()
            .any(|e| e.wallet == Address::repeat_byte(2) && e.reason.contains("could not be read")),
        "{:?}",
        plan.excluded
    );
}
