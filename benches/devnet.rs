//! Devnet stand-up time: anvil start plus the whole scenario (contracts, pools, holders,
//! history). Goal: the default scenario under 10 s on this machine (see BENCHMARKS.md).
//! Needs anvil (scripts/install-test-tools). Run: `cargo bench --bench devnet`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use popwatch_devnet::{Devnet, Scenario};

fn stand_up(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("devnet_stand_up");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for wallets in [5usize, 1_000, 10_000] {
        group.bench_function(format!("thin_{wallets}_wallets"), |b| {
            b.iter(|| {
                let devnet = runtime
                    .block_on(Devnet::start(Scenario::default().with_wallets(wallets)))
                    .expect("devnet starts (is anvil installed?)");
                drop(devnet);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, stand_up);
criterion_main!(benches);
