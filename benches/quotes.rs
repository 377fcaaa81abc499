//! Exit math on a devnet reading: every wallet's quotes, best split and depth, for the thin
//! scenario (five pools, two of them V3), for 5 and for 1,000 wallets. Needs anvil. Run:
//! `cargo bench --bench quotes`.

use std::time::Duration;

use alloy::primitives::U256;
use criterion::{Criterion, criterion_group, criterion_main};
use popwatch::exit::compute::{self as exits, PoolModel};
use popwatch::exit::quote::Quoting;
use popwatch::sources::chain::ChainReader;
use popwatch::state::chain::ChainReading;
use popwatch::state::exits::Venue;
use popwatch_devnet::{Devnet, Scenario};

/// A devnet of `scenario` and one chain reading of it.
fn devnet_reading(runtime: &tokio::runtime::Runtime, scenario: Scenario) -> (Devnet, ChainReading) {
    let devnet = runtime
        .block_on(Devnet::start(scenario))
        .expect("devnet starts (is anvil installed?)");
    let reading = runtime
        .block_on(ChainReader::from_config(&devnet.config().unwrap()).read())
        .reading
        .unwrap();
    (devnet, reading)
}

fn quotes(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (devnet, reading) = devnet_reading(&runtime, Scenario::default());
    let mut group = c.benchmark_group("quotes");
    group.measurement_time(Duration::from_secs(5));
    let v3 = reading
        .pools
        .iter()
        .find(|p| p.venue == Venue::UniswapV3)
        .unwrap();
    let whale = devnet.wallets[0].pop_raw;
    group.bench_function("v3_quote_whale", |b| b.iter(|| PoolModel(v3).quote(whale)));
    let v2 = reading
        .pools
        .iter()
        .find(|p| p.venue == Venue::UniswapV2)
        .unwrap();
    group.bench_function("v2_quote_whale", |b| b.iter(|| PoolModel(v2).quote(whale)));
    group.bench_function("all_exits_ladders_depths_5_wallets", |b| {
        b.iter(|| exits::compute(&reading, 18))
    });
    group.bench_function("best_exit_whale_5_pools", |b| {
        let models: Vec<PoolModel> = reading.pools.iter().map(PoolModel).collect();
        b.iter(|| exits::best_exit(whale, &models, Some(U256::from(1_000_000_000u64))))
    });
    group.finish();

    // A thousand holders' first refresh: every exit searched from scratch (no cache).
    let (_devnet, reading) = devnet_reading(
        &runtime,
        Scenario {
            wallets: 1_000,
            ..Scenario::default()
        },
    );
    let mut group = c.benchmark_group("quotes");
    group.sample_size(20);
    group.bench_function("all_exits_1000_wallets_cold", |b| {
        b.iter(|| exits::compute(&reading, 18))
    });
    // The portfolio plan alone: each wallet's sale searched in the pools the sales before it
    // left, so nothing of it is cached between refreshes.
    // Each wallet's route as the exit maths found it (what the plan re-quotes).
    let routes = exits::compute(&reading, 18).wallets;
    group.bench_function("portfolio_plan_1000_wallets", |b| {
        b.iter(|| popwatch::exit::plan::plan(&reading, &routes))
    });
    // A refresh where nothing moved: the kept plan, repriced.
    let mut kept = popwatch::exit::plan::PlanCache::default();
    kept.plan(&reading, &routes);
    group.bench_function("portfolio_plan_1000_wallets_kept", |b| {
        b.iter(|| kept.plan(&reading, &routes))
    });
    group.finish();
}

criterion_group!(benches, quotes);
criterion_main!(benches);
