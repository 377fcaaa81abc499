//! How large the history grows: 1,000 watched wallets for 90 days, thinned as the app thins it
//! (full detail for the last day, hourly before), with the price moving at every refresh,
//! pools moving every hour and a few transfers a day. Prints the file size and row count.
//! Run: `cargo bench --bench history_size`.

use alloy::primitives::{Address, U256};
use popwatch::config::{Config, WalletConfig};
use popwatch::history::Store;
use popwatch::state::market::MarketQuote;
use popwatch::state::{AppState, SourceName, Update};
use time::{Duration, OffsetDateTime};

fn main() {
    // `cargo test --all-targets` runs benches with `--bench`-less args: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    // scripts/bench writes a history for a real config's wallets into a data directory it
    // then opens the app on: HISTORY_CONFIG, HISTORY_DIR, HISTORY_DAYS.
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let days: i64 = env("HISTORY_DAYS")
        .map(|d| d.parse().expect("HISTORY_DAYS is a number"))
        .unwrap_or(if quick { 2 } else { 90 });
    let temp = tempfile::TempDir::new().unwrap();
    let dir = env("HISTORY_DIR").map_or_else(|| temp.path().to_owned(), std::path::PathBuf::from);
    let mut store = Store::open_in(&dir).unwrap();
    let config = match env("HISTORY_CONFIG") {
        Some(path) => popwatch::config::load_file(std::path::Path::new(&path)).unwrap(),
        None => Config {
            wallets: (0..1_000u64)
                .map(|i| WalletConfig {
                    label: format!("w{i}"),
                    address: Address::left_padding_from(&(i + 1).to_be_bytes()),
                    ens: None,
                })
                .collect(),
            ..Config::default()
        },
    };
    let wallets = config.wallets.len();
    let mut state = AppState::new(&config);
    for (i, w) in state.wallets.iter_mut().enumerate() {
        w.pop_raw = Some(U256::from(1_000 + i as u64) * U256::from(10u64).pow(U256::from(18)));
    }
    let now = OffsetDateTime::now_utc();
    let start = now - Duration::days(days);
    let started = std::time::Instant::now();
    let mut at = start;
    let mut step = 0u64;
    while at <= now {
        step += 1;
        state.apply(Update::Market {
            source: SourceName::Coingecko,
            quote: Box::new(MarketQuote {
                price_usd: Some(0.00001 + (step % 97) as f64 * 1e-9),
                fetched_at: Some(at),
                ..MarketQuote::default()
            }),
        });
        // About five transfers a day among the watched wallets.
        if step.is_multiple_of(17) {
            let i = (step as usize * 31) % wallets;
            state.wallets[i].pop_raw = state.wallets[i].pop_raw.map(|p| p + U256::from(step));
        }
        store.record(&state, &[], at).unwrap();
        // Hourly steps until the last day, then the default 30-second refresh.
        at += if now - at > Duration::days(1) {
            Duration::hours(1)
        } else {
            Duration::seconds(30)
        };
    }
    store.thin(now).unwrap();
    store.prune(90, now).unwrap();
    drop(store);
    let size: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    let rows = rusqlite::Connection::open(dir.join(popwatch::history::store::FILE_NAME))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM observations", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    println!(
        "history for {wallets} wallets over {days} days: {rows} rows, {:.1} MiB on disk (built in {:.1?})",
        size as f64 / 1_048_576.0,
        started.elapsed()
    );
}
