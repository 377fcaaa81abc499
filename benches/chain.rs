//! One chain refresh (token facts, every wallet's POP and ETH, ETH/USD, block) against a local
//! devnet, by wallet count. Needs anvil (scripts/install-test-tools). Run:
//! `cargo bench --bench chain`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use popwatch::sources::chain::ChainReader;
use popwatch_devnet::{Devnet, Scenario};

fn refresh(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("chain_refresh");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for wallets in [10usize, 1_000, 5_000] {
        let devnet = runtime
            .block_on(Devnet::start(Scenario::default().with_wallets(wallets)))
            .expect("devnet starts (is anvil installed?)");
        let reader = ChainReader::from_config(&devnet.config().unwrap());
        group.bench_function(format!("{wallets}_wallets"), |b| {
            b.iter(|| {
                let outcome = runtime.block_on(reader.read());
                assert!(outcome.reading.is_ok());
            })
        });
    }
    group.finish();
}

criterion_group!(benches, refresh);
criterion_main!(benches);
