//! The log index's cost in requests and wall time, over a route adding 80 ms to every request,
//! at the politeness defaults (4 requests in flight, 10 a second). Mainnet is emulated on the
//! devnet by scaling blocks, ranges and node caps alike (1:100 for the 45-day window: 324,000
//! blocks as 3,240; 1:1,000 for the whole history since POP's deployment, about 16 million
//! blocks as 16,000), so the request counts are mainnet's and the wall time follows them.
//! Needs anvil (scripts/install-test-tools). Run: `cargo bench --bench index`.

use std::time::{Duration, Instant};

use alloy::providers::Provider;
use popwatch::config::RpcUrl;
use popwatch::history::Store;
use popwatch::sources::chain::index::{IndexSettings, IndexStore, Indexer, Target};
use popwatch::sources::chain::rpc::RpcClient;
use popwatch_devnet::proxy::FaultProxy;
use popwatch_devnet::{Devnet, Role, Scenario};

/// Blocks from POP's deployment (mainnet block 4,9xx,xxx, early 2018) to December 2026.
const MAINNET_HISTORY_BLOCKS: u64 = 16_000_000;
const WINDOW_BLOCKS: u64 = 324_000;

struct Row {
    what: String,
    requests: u64,
    took: Duration,
}

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: nothing to measure there.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let rows = runtime.block_on(measure());
    println!("| what | requests | wall time |");
    println!("|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {:.1} s |",
            r.what,
            r.requests,
            r.took.as_secs_f64()
        );
    }
}

async fn measure() -> Vec<Row> {
    let mut rows = Vec::new();
    for (scale, span, label) in [
        (100, WINDOW_BLOCKS, "the cold 45-day window"),
        (
            1_000,
            MAINNET_HISTORY_BLOCKS,
            "the whole history since deployment",
        ),
    ] {
        let d = Devnet::start(Scenario::default()).await.unwrap();
        let blocks = span / scale;
        // A few Transfers spread over the span, as sparse as POP's.
        let whale = d.wallet(Role::Whale).address;
        let empty = d.wallet(Role::Empty).address;
        for _ in 0..4 {
            d.mine(blocks / 4).await.unwrap();
            d.transfer_pop(whale, empty, d.scenario.unit())
                .await
                .unwrap();
        }
        let head = d.provider().get_block_number().await.unwrap();
        let streams = d.token_and_pools();
        for (cap, node) in [
            (100_000, "a node taking 100,000-block ranges"),
            (10_000, "a node taking 10,000-block ranges"),
            (1_000, "a node capped at 1,000 blocks"),
        ] {
            // A node capped at 1,000 blocks over the whole history is 16,000 requests, 27
            // minutes at 10 a second: left to arithmetic (BENCHMARKS.md), not run.
            if cap / scale < 2 {
                continue;
            }
            let proxy = FaultProxy::start(&d.url).await;
            proxy.limit_logs(cap / scale, 10_000);
            proxy.set_latency(Duration::from_millis(80));
            let settings = IndexSettings {
                token: d.contracts.pop,
                initial_range: (2_000 / scale).max(1),
                max_range: 100_000 / scale,
                in_flight: 4,
                history_expiry: u64::MAX,
            };
            // The politeness defaults: 4 in flight, 10 a second, per endpoint.
            let rpc = RpcClient::new(
                &[RpcUrl::parse(&proxy.url()).unwrap()],
                31337,
                Duration::from_secs(10),
            )
            .with_logs_budget(4, 10);
            assert!(rpc.check_chain_ids().await.is_empty());
            let dir = tempfile::TempDir::new().unwrap();
            let mut store = IndexStore::new(Store::open_in(dir.path()).unwrap().into_connection());
            let target = Target {
                streams: &streams,
                start: head + 1 - blocks,
                head,
            };
            proxy.reset_counts();
            let started = Instant::now();
            Indexer::new(settings.clone())
                .extend(&rpc, &mut store, target, None, &mut |_| {})
                .await
                .unwrap();
            rows.push(Row {
                what: format!("{label}, {node}"),
                requests: proxy.http_requests(),
                took: started.elapsed(),
            });
            if scale == 100 {
                d.transfer_pop(whale, empty, d.scenario.unit())
                    .await
                    .unwrap();
                let later = d.provider().get_block_number().await.unwrap();
                proxy.reset_counts();
                let started = Instant::now();
                Indexer::new(settings)
                    .extend(
                        &rpc,
                        &mut store,
                        Target {
                            head: later,
                            ..target
                        },
                        None,
                        &mut |_| {},
                    )
                    .await
                    .unwrap();
                rows.push(Row {
                    what: format!("a restart one block later, {node}"),
                    requests: proxy.http_requests(),
                    took: started.elapsed(),
                });
            }
        }
    }
    rows
}
