//! The soak: the real app in a real terminal (tmux) against the devnet through the fault
//! proxy, which cycles every fault kind it knows, each followed by a clear spell; the market
//! server fails now and then too. It asserts what a user leaving popwatch open for days relies
//! on: the chain source recovers after every fault (never silently stopped), the resident
//! memory stays flat, and the terminal is given back whole at the end.
//!
//! `POPWATCH_SOAK_SECS` sets the length: 60 s by default (in CI, through the README's test
//! command); the documented soak is `POPWATCH_SOAK_SECS=1800 scripts/test soak` (TESTING.md
//! has its figures).

use crate::support;

use std::time::{Duration, Instant};

use popwatch_devnet::market_server::Fault as MarketFault;
use popwatch_devnet::proxy::{Behaviour, FaultProxy};
use popwatch_devnet::{Devnet, Scenario};
use support::tmux::Tmux;

/// Every transient fault the proxy injects, each for one spell. (An endpoint of another chain
/// is not transient: it is refused for good, by design; the faults suite covers it.)
fn faults() -> Vec<Behaviour> {
    vec![
        Behaviour::Hang,
        Behaviour::TooManyRequests("1".into()),
        Behaviour::TooManyRequests("18446744073709551616".into()),
        Behaviour::LimitExceeded,
        Behaviour::LimitExceededWithData(r#"{"rate":{"backoff_seconds":1e300}}"#.into()),
        Behaviour::LimitExceededWithData(r#"{"backoff_seconds":-1}"#.into()),
        Behaviour::ShortAggregate,
        Behaviour::BlockNumber("18446744073709551616".into()),
        Behaviour::BlockNumber("9223372036854775808".into()),
        Behaviour::Html502,
        Behaviour::Truncated,
        Behaviour::Reset,
        Behaviour::Padded(64 * 1024 * 1024),
        Behaviour::Trickle(Duration::from_millis(200)),
        Behaviour::GasPrice("0xffffffffffffffff".into()),
        Behaviour::Html502For("eth_getLogs".into()),
    ]
}

/// Whether `fault` fails a chain refresh (the others are absorbed: a short Retry-After waited
/// out, an absurd gas price shown unknown, a failing log scan beside good balances).
fn fails_a_refresh(fault: &Behaviour) -> bool {
    !matches!(
        fault,
        Behaviour::TooManyRequests(wait) if wait == "1"
    ) && !matches!(fault, Behaviour::GasPrice(_) | Behaviour::Html502For(_))
}

/// The market faults, one per spell, in turn.
fn market_faults() -> Vec<MarketFault> {
    vec![
        MarketFault::TooManyRequests("3600".into()),
        MarketFault::Html503,
        MarketFault::Truncated,
        MarketFault::Nulls,
        MarketFault::Padded(16 * 1024 * 1024),
        MarketFault::Stall(Duration::from_secs(30)),
    ]
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// popwatch's pid: the child of the pane's shell.
fn app_pid(tmux: &Tmux) -> u32 {
    let shell = tmux.variable("pane_pid");
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    children.split_whitespace().next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn the_app_survives_every_fault_in_turn_with_flat_memory() {
    let length = Duration::from_secs(
        std::env::var("POPWATCH_SOAK_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let data = tempfile::TempDir::new().unwrap();
    let config = data.path().join("soak.toml");
    std::fs::write(
        &config,
        d.config_toml()
            .replace(
                "refresh_secs = 5",
                "refresh_secs = 1\nmarket_refresh_secs = 5",
            )
            .replace(
                &format!("rpc_urls = [\"{}\"]", d.url),
                &format!("rpc_urls = [\"{}\"]\ntimeout_secs = 2", proxy.url()),
            ),
    )
    .unwrap();
    let tmux = Tmux::start(150, 40);
    tmux.type_line(&format!(
        "POPWATCH_DATA_DIR={} {} --config {}; echo EX''IT=$?; stty -a | grep -o -- '-\\?icanon' | sed 's/^/MO''DE=/'",
        data.path().display(),
        env!("CARGO_BIN_EXE_popwatch"),
        config.display()
    ));
    tmux.wait_text("chain ✓", Duration::from_secs(30));
    let pid = app_pid(&tmux);

    let started = Instant::now();
    let warm_up = length / 4;
    let mut baseline: Option<u64> = None;
    let mut peak_after_warm_up = 0u64;
    let mut spells = 0usize;
    let (faults, market_faults) = (faults(), market_faults());
    while started.elapsed() < length {
        let fault = faults[spells % faults.len()].clone();
        if spells.is_multiple_of(3) {
            let market = market_faults[(spells / 3) % market_faults.len()].clone();
            for route in ["/api/v3/", "/v1/", "/token-pairs"] {
                d.market.fail_next(route, market.clone());
            }
        }
        proxy.set_default(fault.clone());
        if fails_a_refresh(&fault) {
            // Seen failing first, so the recovery below is a recovery.
            tmux.wait_for(&format!("{fault:?} shown"), Duration::from_secs(20), |s| {
                s.contains("chain ✗")
            });
        } else {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        proxy.set_default(Behaviour::Pass);
        // The chain source answers again after the fault: never silently stopped.
        tmux.wait_for(
            &format!("recovery after {fault:?}"),
            Duration::from_secs(20),
            |s| s.contains("chain ✓"),
        );
        let rss = rss_kib(pid);
        if started.elapsed() >= warm_up {
            baseline.get_or_insert(rss);
            peak_after_warm_up = peak_after_warm_up.max(rss);
        }
        spells += 1;
    }
    let baseline = baseline.expect("a sample after the warm-up");
    let last = rss_kib(pid);
    eprintln!(
        "soak: {spells} fault spells in {:?}; RSS after warm-up {baseline} KiB, peak {peak_after_warm_up} KiB, last {last} KiB",
        started.elapsed()
    );
    assert!(
        peak_after_warm_up <= baseline + 8 * 1024,
        "RSS grew from {baseline} KiB to {peak_after_warm_up} KiB"
    );
    tmux.keys(&["q"]);
    let screen = tmux.wait_text("MODE=", Duration::from_secs(15));
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("MODE=icanon"), "{screen}");
    assert_eq!(tmux.variable("alternate_on"), "0");
    assert_eq!(tmux.variable("mouse_any_flag"), "0");
}
