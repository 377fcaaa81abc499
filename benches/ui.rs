//! The terminal's own costs, without a network: drawing the main view with 10,000 wallets
//! (only the visible rows should cost), applying a full chain update of 10,000 wallets to the
//! app, and evaluating the red flags. Run: `cargo bench --bench ui`.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use popwatch::config::{Config, WalletConfig};
use popwatch::state::chain::ChainReading;
use popwatch::state::{AppState, Update};
use popwatch::tui::App;
use popwatch_devnet::reading::ReadingBuilder;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;

const WALLETS: u64 = 10_000;

fn address(i: u64) -> Address {
    Address::left_padding_from(&(i + 1).to_be_bytes())
}

fn config() -> Config {
    Config {
        wallets: (0..WALLETS)
            .map(|i| WalletConfig {
                label: format!("holder {i}"),
                address: address(i),
                ens: None,
            })
            .collect(),
        ..Config::default()
    }
}

/// One chain refresh of 10,000 wallets and a thin V2 pool.
fn reading(now: OffsetDateTime) -> ChainReading {
    let unit = U256::from(10u64).pow(U256::from(18));
    (0..WALLETS)
        .fold(
            ReadingBuilder::new(now).v2_pool(
                Address::repeat_byte(0x99),
                U256::from(300_000_000u64) * unit,
                unit,
            ),
            |reading, i| {
                reading.wallet(
                    address(i),
                    U256::from(i * 1_000 + 1) * unit,
                    unit / U256::from(100),
                )
            },
        )
        .requests(2, 6)
        .build()
}

fn ui(c: &mut Criterion) {
    let now = OffsetDateTime::now_utc();
    let config = config();
    let reading = reading(now);
    let exits = popwatch::exit::compute::compute(&reading, 18);
    let mut app = App::new(AppState::new(&config), now);
    app.apply(Update::ChainRead(Box::new(reading.clone())));
    app.apply(Update::Exits(Box::new(exits.clone())));
    app.evaluate_flags(now);

    let mut group = c.benchmark_group("ui");
    group.measurement_time(Duration::from_secs(5));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    group.bench_function("draw_main_view_10000_wallets", |b| {
        b.iter(|| {
            terminal
                .draw(|f| popwatch::tui::widgets::draw(f, &app))
                .unwrap();
        })
    });
    group.bench_function("apply_chain_update_10000_wallets", |b| {
        b.iter_batched(
            || (App::new(AppState::new(&config), now), reading.clone()),
            |(mut fresh, r)| fresh.apply(Update::ChainRead(Box::new(r))),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("apply_exits_update_10000_wallets", |b| {
        b.iter_batched(
            || exits.clone(),
            |e| app.apply(Update::Exits(Box::new(e))),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("evaluate_flags_10000_wallets", |b| {
        b.iter(|| popwatch::flags::evaluate(app.state(), now, Some(app.flags())))
    });
    group.finish();
}

criterion_group!(benches, ui);
criterion_main!(benches);
