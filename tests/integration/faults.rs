//! The fault-injection suite: every fault a public JSON-RPC endpoint shows, injected by a real
//! proxy on loopback in front of anvil, through the whole pipeline a user sees (the chain
//! source sends updates, the app applies them, the screen renders them).
//!
//! Each test asserts the same promise: the refresh ends within its bound (a source never
//! blocks the UI loop, which only receives updates), the last good figures stay and are shown
//! stale, the source state names the fault, failover or retry happens as designed, the app
//! recovers at the first refresh after the fault clears, and nothing is counted twice.

use crate::support;

use std::collections::HashSet;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use popwatch::abi::IERC20;
use popwatch::config::{Config, RpcUrl};
use popwatch::sources::chain::ChainSource;
use popwatch::state::{AppState, SourceName, SourceStatus};
use popwatch::tui::App;
use popwatch_devnet::proxy::{Behaviour, FaultProxy};
use popwatch_devnet::{Devnet, Role, Scenario};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;

/// The request timeout every rig uses: short, so a hang costs little.
const TIMEOUT: Duration = Duration::from_secs(1);

/// A devnet, the fault proxy in front of it, and the app fed by the chain source.
struct Rig {
    d: Devnet,
    proxy: FaultProxy,
    source: ChainSource,
    app: App,
}

impl Rig {
    /// The proxy is the only endpoint, unless `more` adds others behind it.
    async fn start(more: &[String]) -> Self {
        Self::on(Devnet::start(Scenario::default()).await.unwrap(), more).await
    }

    async fn on(d: Devnet, more: &[String]) -> Self {
        let proxy = FaultProxy::start(&d.url).await;
        let urls: Vec<String> = std::iter::once(proxy.url())
            .chain(more.iter().cloned())
            .collect();
        let (source, app) = pipeline(&d, &urls);
        let mut rig = Rig {
            d,
            proxy,
            source,
            app,
        };
        rig.refresh().await;
        rig.assert_ok_and_current().await;
        rig
    }

    /// One refresh of the chain source, its updates applied as the event loop applies them.
    /// Returns how long the source took.
    async fn refresh(&mut self) -> Duration {
        run_once(&mut self.source, &mut self.app).await
    }

    fn status(&self) -> SourceStatus {
        self.app.state().sources[&SourceName::Chain].status.clone()
    }

    fn balances(&self) -> Vec<(Address, Option<U256>)> {
        self.app
            .state()
            .wallets
            .iter()
            .map(|w| (w.address, w.pop_raw))
            .collect()
    }

    /// Every wallet's POP balance by its own eth_call straight to anvil: the oracle.
    async fn oracle(&self) -> Vec<(Address, Option<U256>)> {
        let mut out = Vec::new();
        for w in &self.app.state().wallets {
            let pop = self
                .d
                .view(
                    self.d.contracts.pop,
                    IERC20::balanceOfCall { owner: w.address },
                )
                .await
                .unwrap();
            out.push((w.address, Some(pop)));
        }
        out
    }

    /// One refresh through `fault` fails naming `expect`, the last good balances stay against
    /// their own wallets, and the next refresh without the fault is current.
    async fn fails_once_keeping_the_figures(&mut self, fault: Behaviour, expect: &str) {
        let good = self.balances();
        self.proxy.set_default(fault.clone());
        self.refresh().await;
        match self.status() {
            SourceStatus::Failed { error } => {
                assert!(error.contains(expect), "{fault:?}: {error}")
            }
            other => panic!("{fault:?}: not failed: {other:?}"),
        }
        assert_eq!(self.balances(), good, "{fault:?}: the last good balances");
        self.proxy.set_default(Behaviour::Pass);
        self.refresh().await;
        self.assert_ok_and_current().await;
    }

    async fn assert_ok_and_current(&self) {
        assert_eq!(self.status(), SourceStatus::Ok);
        assert_eq!(self.balances(), self.oracle().await, "figures are current");
        assert!(self.screen().contains("chain ✓"), "{}", self.screen());
    }

    /// The whole screen as text.
    fn screen(&self) -> String {
        let mut terminal = Terminal::new(TestBackend::new(200, 30)).unwrap();
        terminal
            .draw(|f| popwatch::tui::widgets::draw(f, &self.app))
            .unwrap();
        let buf = terminal.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A POP transfer from the whale to the empty wallet, mined at once: figures move.
    async fn move_pop(&self, amount: u64) -> alloy::primitives::B256 {
        let (whale, empty) = (self.d.wallet(Role::Whale), self.d.wallet(Role::Empty));
        self.d
            .transfer_pop(whale.address, empty.address, U256::from(amount))
            .await
            .unwrap()
            .transaction_hash
    }

    /// Every transfer the app holds, as (tx, log index), checked for doubles.
    fn transfers_once_each(&self) -> HashSet<(alloy::primitives::B256, u64)> {
        let mut seen = HashSet::new();
        for w in &self.app.state().wallets {
            let Some(history) = &w.history else { continue };
            let mut own = HashSet::new();
            for t in &history.transfers {
                assert!(
                    own.insert((t.tx, t.log_index)),
                    "{} holds {t:?} twice",
                    w.address
                );
                seen.insert((t.tx, t.log_index));
            }
        }
        seen
    }

    fn has_transfer(&self, tx: alloy::primitives::B256) -> bool {
        self.transfers_once_each().iter().any(|(t, _)| *t == tx)
    }
}

/// The chain source and the app for the devnet, reading through `urls`.
fn pipeline(d: &Devnet, urls: &[String]) -> (ChainSource, App) {
    let mut config: Config = d.config().unwrap();
    config.chain.rpc_urls = urls.iter().map(|u| RpcUrl::parse(u).unwrap()).collect();
    config.chain.timeout_secs = TIMEOUT.as_secs();
    let source = ChainSource::new(&config);
    let app = App::new(AppState::new(&config), OffsetDateTime::now_utc());
    (source, app)
}

/// One refresh of the chain source, its updates applied as the event loop applies them.
/// Returns how long the source took.
async fn run_once(source: &mut ChainSource, app: &mut App) -> Duration {
    let (updates, took) = support::refresh_once(source).await;
    for update in updates {
        app.apply(update);
    }
    app.now = OffsetDateTime::now_utc();
    took
}

/// The common fault script: figures move on chain, the fault hits three refreshes in a row
/// (enough to open the endpoint's circuit breaker), each ends within `bound` keeping the last
/// good figures, shown stale with the fault named; then the fault clears and the very next
/// refresh shows the current figures, the transfer made meanwhile counted once.
async fn fails_stale_then_recovers(rig: &mut Rig, fault: Behaviour, expect: &str, bound: Duration) {
    let good = rig.balances();
    let tx = rig.move_pop(4_242).await;
    rig.proxy.set_default(fault.clone());
    for round in 1..=3 {
        let took = rig.refresh().await;
        assert!(took < bound, "{fault:?} round {round}: took {took:?}");
        match rig.status() {
            SourceStatus::Failed { error } => {
                assert!(error.contains(expect), "{fault:?}: {error}")
            }
            other => panic!("{fault:?} round {round}: {other:?}"),
        }
        assert_eq!(
            rig.balances(),
            good,
            "{fault:?}: the last good figures stay"
        );
        let screen = rig.screen();
        assert!(
            screen.contains("chain ✗") && screen.contains("(data "),
            "{fault:?}: shown failed, with the age of the figures kept:\n{screen}"
        );
    }
    assert_ne!(rig.oracle().await, good, "the chain moved meanwhile");
    rig.proxy.set_default(Behaviour::Pass);
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    assert!(rig.has_transfer(tx), "{fault:?}: the transfer is seen once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_hang_past_the_timeout_fails_within_it_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::Hang,
        "timed out",
        TIMEOUT + Duration::from_millis(1500),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_429_asking_for_longer_than_the_timeout_fails_at_once_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    // Waiting an hour inside a refresh would freeze the figures; the source gives up at once.
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::TooManyRequests("3600".into()),
        "rate-limited",
        Duration::from_millis(900),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_429_asking_for_a_second_is_waited_out_within_the_refresh() {
    let mut rig = Rig::start(&[]).await;
    let tx = rig.move_pop(7).await;
    rig.proxy.reset_counts();
    rig.proxy.push([Behaviour::TooManyRequests("1".into())]);
    let took = rig.refresh().await;
    assert!(took >= Duration::from_secs(1), "retried before Retry-After");
    assert!(took < Duration::from_secs(3), "{took:?}");
    let arrivals = rig.proxy.arrivals();
    assert!(arrivals[1] - arrivals[0] >= Duration::from_secs(1));
    rig.assert_ok_and_current().await;
    assert!(rig.has_transfer(tx));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_persistent_limit_exceeded_in_http_200_is_retried_then_fails_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    rig.proxy.reset_counts();
    // Three attempts with 200 ms and 400 ms back-offs, then the refresh gives up.
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::LimitExceeded,
        "rate-limited",
        Duration::from_millis(1500),
    )
    .await;
    // Round 1 retried 3 times; rounds 2 and 3 the same (the breaker then probes once).
    assert!(
        rig.proxy.http_requests() >= 9,
        "{}",
        rig.proxy.http_requests()
    );
}

/// An aggregate3 answer with fewer results than reads (the proxy drops each chunk's last):
/// the refresh fails with the reason and the last good balances stay, each against its own
/// wallet; never a value shifted onto the next wallet, never a panic. Small chunks, so that a
/// shift would show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_short_aggregate3_answer_fails_the_refresh_and_never_shifts_a_balance() {
    let mut rig = small_chunk_rig().await;
    rig.fails_once_keeping_the_figures(Behaviour::ShortAggregate, "results for")
        .await;
}

/// The small-chunk rig: 4 reads per aggregate3, so a refresh is a batch of many eth_calls
/// and a shifted answer would show one wallet's balance against another.
async fn small_chunk_rig() -> Rig {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let mut config: Config = d.config().unwrap();
    config.chain.rpc_urls = vec![RpcUrl::parse(&proxy.url()).unwrap()];
    config.chain.timeout_secs = TIMEOUT.as_secs();
    config.chain.multicall_chunk = 4;
    let mut rig = Rig {
        source: ChainSource::new(&config),
        app: App::new(AppState::new(&config), OffsetDateTime::now_utc()),
        d,
        proxy,
    };
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    rig
}

/// Answers that do not match the questions, through the whole pipeline: an aggregate3 with
/// more results than reads, a batch answering a call twice or answering an id never asked:
/// each fails the refresh, keeps every balance against its own wallet, and recovers. A batch
/// answered in reverse order is fine: answers pair with calls by id, and the figures equal
/// the chain's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn long_duplicated_and_stranger_answers_fail_and_reordered_ones_pair_by_id() {
    let mut rig = small_chunk_rig().await;
    rig.fails_once_keeping_the_figures(Behaviour::LongAggregate, "results for")
        .await;
    rig.fails_once_keeping_the_figures(Behaviour::DuplicatedAnswer, "two answers to call")
        .await;
    rig.fails_once_keeping_the_figures(Behaviour::StrangerAnswer, "an answer to call 999999")
        .await;
    let tx = rig.move_pop(99).await;
    rig.proxy.set_default(Behaviour::ReversedBatch);
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    rig.proxy.set_default(Behaviour::Pass);
    rig.refresh().await;
    assert!(rig.has_transfer(tx));
}

/// A backend reporting block 2^64 (past u64): that refresh fails with the reason, the last
/// good figures stay, and the honest answer that follows is taken (the lie never became the
/// "highest block seen" that would make every honest endpoint look behind for good).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_block_number_past_u64_is_refused_and_the_next_honest_answer_is_taken() {
    let mut rig = Rig::start(&[]).await;
    rig.fails_once_keeping_the_figures(
        Behaviour::BlockNumber("18446744073709551616".to_owned()),
        "impossible block number",
    )
    .await;
}

/// Backoff hints no one could mean, at both places providers put them (Infura's
/// `data.rate.backoff_seconds` too): a negative one is no hint, a huge one is believed for a
/// day at most (so the endpoint is left for the next, not waited on); never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn absurd_backoff_hints_are_bounded_not_a_panic() {
    for data in [
        r#"{"rate":{"backoff_seconds":-1}}"#,
        r#"{"rate":{"backoff_seconds":1e300}}"#,
        r#"{"backoff_seconds":-1e300}"#,
    ] {
        let mut rig = Rig::start(&[]).await;
        fails_stale_then_recovers(
            &mut rig,
            Behaviour::LimitExceededWithData(data.to_owned()),
            "rate-limited",
            Duration::from_millis(1500),
        )
        .await;
    }
}

/// A 200 MiB answer (valid JSON behind 200 MiB of whitespace, with no Content-Length, so only
/// counting the bytes as they come can refuse it) fails at the cap, 32 MiB by default: the
/// refresh ends at once, without holding the answer, and recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_200_mib_answer_fails_at_the_size_cap_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::Padded(200 * 1024 * 1024),
        "answer larger than 32 MiB",
        Duration::from_millis(1500),
    )
    .await;
}

/// An answer that trickles in a byte every 100 ms fails at the request's deadline, which
/// bounds the whole body, not just the wait for the first byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_body_trickling_a_byte_at_a_time_fails_at_the_deadline_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::Trickle(Duration::from_millis(100)),
        "timed out",
        TIMEOUT + Duration::from_millis(1500),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn an_html_502_page_fails_without_retries_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    rig.proxy.reset_counts();
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::Html502,
        "HTML",
        Duration::from_millis(900),
    )
    .await;
}

/// A provider's refusal says why, in its own words (the start of its body), and what to try:
/// a bad key, a spent plan, a quota; a hang, what to raise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_refusal_says_the_providers_words_and_what_to_try() {
    let mut rig = Rig::start(&[]).await;
    let refusal = |message: &str| {
        format!(r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":-32001,"message":"{message}"}}}}"#)
    };
    for (fault, says) in [
        (
            Behaviour::Status("401 Unauthorized".into(), refusal("invalid project id")),
            ["HTTP 401", "invalid project id", "check the key in the URL"],
        ),
        (
            Behaviour::Status(
                "402 Payment Required".into(),
                refusal("daily credit limit reached"),
            ),
            [
                "HTTP 402",
                "daily credit limit reached",
                "wait until it resets",
            ],
        ),
        (
            Behaviour::Status("400 Bad Request".into(), refusal("monthly quota exceeded")),
            ["HTTP 400", "monthly quota exceeded", "the provider's limit"],
        ),
        (
            Behaviour::Hang,
            [
                "timed out",
                "raise [chain] timeout_secs",
                "another endpoint",
            ],
        ),
    ] {
        rig.proxy.set_default(fault.clone());
        rig.refresh().await;
        match rig.status() {
            SourceStatus::Failed { error } => {
                for part in says {
                    assert!(error.contains(part), "{fault:?}: no {part:?} in {error}");
                }
            }
            other => panic!("{fault:?}: {other:?}"),
        }
        rig.proxy.set_default(Behaviour::Pass);
        rig.refresh().await;
        rig.assert_ok_and_current().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn truncated_json_fails_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::Truncated,
        // The body stops before its Content-Length: the connection closed mid-answer.
        "connection dropped: end of file",
        Duration::from_millis(900),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_connection_reset_fails_and_recovers() {
    let mut rig = Rig::start(&[]).await;
    fails_stale_then_recovers(
        &mut rig,
        Behaviour::Reset,
        "connection",
        Duration::from_millis(900),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_dead_endpoint_fails_and_recovers_when_it_is_back() {
    let mut rig = Rig::start(&[]).await;
    let good = rig.balances();
    // The endpoint goes away: nothing listens on its port any more.
    let addr = rig.proxy.addr;
    let upstream = rig.d.url.clone();
    drop(std::mem::replace(
        &mut rig.proxy,
        FaultProxy::start(&upstream).await,
    ));
    tokio::time::sleep(Duration::from_millis(50)).await;
    for _ in 0..3 {
        let took = rig.refresh().await;
        assert!(took < Duration::from_millis(900), "{took:?}");
        assert!(
            matches!(rig.status(), SourceStatus::Failed { ref error } if error.contains("connection")),
            "{:?}",
            rig.status()
        );
        assert_eq!(rig.balances(), good);
    }
    // It comes back on the same port.
    rig.proxy = FaultProxy::start_on(addr, &upstream).await;
    rig.refresh().await;
    rig.assert_ok_and_current().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn failing_endpoints_fail_over_to_the_next_within_the_refresh() {
    for fault in [
        Behaviour::Hang,
        Behaviour::Html502,
        Behaviour::Truncated,
        Behaviour::Reset,
        Behaviour::TooManyRequests("3600".into()),
    ] {
        let d = Devnet::start(Scenario::default()).await.unwrap();
        let backup = FaultProxy::start(&d.url).await;
        let mut rig = Rig::on(d, &[backup.url()]).await;
        let tx = rig.move_pop(99).await;
        rig.proxy.set_default(fault.clone());
        backup.reset_counts();
        let took = rig.refresh().await;
        assert!(
            took < TIMEOUT + Duration::from_millis(1500),
            "{fault:?}: {took:?}"
        );
        rig.assert_ok_and_current().await;
        assert!(backup.http_requests() > 0, "{fault:?}: the backup answered");
        assert!(rig.has_transfer(tx), "{fault:?}");
        // The next refresh starts with the endpoint that answered: no time lost again.
        let took = rig.refresh().await;
        assert!(took < Duration::from_millis(900), "{fault:?}: {took:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn an_endpoint_of_another_chain_is_refused_and_shown() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let wrong = FaultProxy::start(&d.url).await;
    wrong.set_default(Behaviour::WrongChain(1));
    // Alone, it is refused: nothing is read from it, the user is told why.
    let (mut source, mut app) = pipeline(&d, &[wrong.url()]);
    run_once(&mut source, &mut app).await;
    assert_eq!(app.state().refused_endpoints.len(), 1);
    assert!(
        matches!(&app.state().sources[&SourceName::Chain].status, SourceStatus::Failed { error } if error.contains("serves chain 1")),
        "{:?}",
        app.state().sources[&SourceName::Chain].status
    );
    assert!(
        app.state().wallets.iter().all(|w| w.pop_raw.is_none()),
        "nothing invented"
    );
    assert_eq!(wrong.rpc_calls(), 1, "only its chain id was asked");
    // Refused for good: the next refresh does not even ask it.
    run_once(&mut source, &mut app).await;
    assert_eq!(wrong.rpc_calls(), 1);

    // Before a good endpoint, it is refused and the good one used.
    let (mut source, mut app) = pipeline(&d, &[wrong.url(), d.url.clone()]);
    run_once(&mut source, &mut app).await;
    assert_eq!(app.state().refused_endpoints.len(), 1);
    assert_eq!(
        app.state().sources[&SourceName::Chain].status,
        SourceStatus::Ok
    );
    assert!(app.state().wallets.iter().all(|w| w.pop_raw.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_lagging_node_is_never_shown_and_the_head_returns_when_it_catches_up() {
    let ahead = Devnet::start(Scenario::default()).await.unwrap();
    let behind = Devnet::start(Scenario::default()).await.unwrap();
    ahead.mine(5).await.unwrap();
    let mut rig = Rig::on(ahead, std::slice::from_ref(&behind.url)).await;
    let shown = rig.app.state().block.unwrap().number;
    let good = rig.balances();
    // The head endpoint fails; the only other one answers an older block.
    rig.proxy.set_default(Behaviour::Html502);
    for _ in 0..3 {
        rig.refresh().await;
        assert!(
            matches!(rig.status(), SourceStatus::Failed { ref error } if error.contains("behind block")),
            "{:?}",
            rig.status()
        );
        assert_eq!(rig.app.state().block.unwrap().number, shown, "never older");
        assert_eq!(rig.balances(), good);
    }
    rig.proxy.set_default(Behaviour::Pass);
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    assert!(rig.app.state().block.unwrap().number >= shown);
}

/// A backend reporting a block far in the future (2^63, inside u64, so no parse refuses it):
/// that refresh fails naming it, the figures stay, and the honest answer that follows is
/// taken. Before, the lie became the block shown and every honest answer after it "lagging".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_block_far_in_the_future_is_refused_and_honest_endpoints_stay_usable() {
    let mut rig = Rig::start(&[]).await;
    let shown = rig.app.state().block.unwrap().number;
    rig.fails_once_keeping_the_figures(
        Behaviour::BlockNumber("9223372036854775808".to_owned()),
        "further than the chain can have gone",
    )
    .await;
    assert!(rig.app.state().block.unwrap().number >= shown);
}

/// The only endpoint's backend is replaced by one at an older height (a load balancer whose
/// leading backend died, or a node restored from an older snapshot): the older block is never
/// shown at once, but after `REBASE_AFTER` refreshes in which no endpoint confirms the block
/// shown, the height they agree on is taken and the figures are current again. Before, the
/// source stayed "behind" until the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_block_no_endpoint_confirms_any_more_is_given_up_after_ten_refreshes() {
    use popwatch::sources::chain::head::REBASE_AFTER;
    let ahead = Devnet::start(Scenario::default()).await.unwrap();
    let behind = Devnet::start(Scenario::default()).await.unwrap();
    ahead.mine(5).await.unwrap();
    let mut rig = Rig::on(ahead, &[]).await;
    let shown = rig.app.state().block.unwrap().number;
    rig.proxy.set_default(Behaviour::Via(behind.url.clone()));
    for round in 1..=REBASE_AFTER {
        rig.refresh().await;
        assert!(
            matches!(rig.status(), SourceStatus::Failed { ref error } if error.contains("behind block")),
            "round {round}: {:?}",
            rig.status()
        );
        assert_eq!(
            rig.app.state().block.unwrap().number,
            shown,
            "never older yet"
        );
    }
    rig.refresh().await;
    assert_eq!(rig.status(), SourceStatus::Ok);
    let now_shown = rig.app.state().block.unwrap().number;
    assert!(
        now_shown < shown,
        "the height the endpoint agrees on: {now_shown}"
    );
    let head = alloy::providers::Provider::get_block_number(behind.provider())
        .await
        .unwrap();
    assert_eq!(now_shown, head, "the behind node's own head");
}

/// Two load-balanced backends behind one URL, a few blocks apart, answering requests in turn:
/// the block shown never goes back, and every figure shown is the one the chain holds at the
/// block shown (the leading backend's), never the lagging backend's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn heights_jumping_between_two_backends_never_move_the_figures_back() {
    let ahead = Devnet::start(Scenario::default()).await.unwrap();
    let behind = Devnet::start(Scenario::default()).await.unwrap();
    ahead.mine(5).await.unwrap();
    let mut rig = Rig::on(ahead, &[]).await;
    let mut shown = rig.app.state().block.unwrap().number;
    let tx = rig.move_pop(1_234).await;
    let mut current = 0;
    for round in 0..8 {
        // Alternate backends request by request, starting with either.
        rig.proxy.clear_queue();
        rig.proxy.push((0..40).map(|i| {
            if (i + round) % 2 == 0 {
                Behaviour::Via(behind.url.clone())
            } else {
                Behaviour::Pass
            }
        }));
        rig.refresh().await;
        let block = rig.app.state().block.unwrap().number;
        assert!(block >= shown, "went back from {shown} to {block}");
        shown = block;
        if rig.status() == SourceStatus::Ok {
            assert_eq!(
                rig.balances(),
                rig.oracle().await,
                "the leading backend's figures"
            );
            current += 1;
        }
    }
    assert!(current > 0, "some refreshes reached the leading backend");
    rig.proxy.clear_queue();
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    assert!(rig.has_transfer(tx), "the transfer is seen once");
}

/// The log scan fails over to a node behind the block the refresh read (the first endpoint
/// fails every eth_getLogs): that node is not asked, the scan fails for this refresh and the
/// transfer past the lagging node's head is found at the next one, counted once. Before, the
/// lagging node answered the range past its head with nothing and the scan moved on: a
/// transfer more than the re-scanned confirmations deep was never seen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_log_scan_is_never_answered_by_a_node_behind_the_block_read() {
    use popwatch::sources::chain::logs::CONFIRMATIONS;
    let ahead = Devnet::start(Scenario::default()).await.unwrap();
    let behind = Devnet::start(Scenario::default()).await.unwrap();
    let mut rig = Rig::on(ahead, std::slice::from_ref(&behind.url)).await;
    let tx = rig.move_pop(4_321).await;
    rig.d.mine(CONFIRMATIONS + 5).await.unwrap();
    rig.proxy
        .set_default(Behaviour::Html502For("eth_getLogs".to_owned()));
    rig.refresh().await;
    assert_eq!(rig.status(), SourceStatus::Ok, "the balances were read");
    let error = rig.app.state().logs_error.clone();
    assert!(
        error.as_deref().is_some_and(|e| e.contains("behind block")),
        "the scan names the lagging node: {error:?}"
    );
    assert!(!rig.has_transfer(tx));
    rig.proxy.set_default(Behaviour::Pass);
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    assert!(
        rig.has_transfer(tx),
        "the transfer is found once the scan can run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn get_logs_range_and_result_limits_miss_and_double_nothing() {
    // Limits scaled to the ~50-block devnet (a public node says 1,000+ blocks, 10,000 logs).
    for limit in ["range", "results"] {
        let d = Devnet::start(Scenario::default()).await.unwrap();
        let token = d.contracts.pop.to_string();
        let oracle = support::cast_transfer_logs(&d, &token);
        // The results limit: one log fewer than the devnet holds, so a scan of everything at
        // once is refused and must be split.
        let (max_range, max_results) = match limit {
            "range" => (8, 10_000),
            _ => (1_000, oracle.len() - 1),
        };
        let proxy = FaultProxy::start(&d.url).await;
        proxy.limit_logs(max_range, max_results);
        let (mut source, mut app) = pipeline(&d, &[proxy.url()]);
        run_once(&mut source, &mut app).await;
        assert_eq!(
            app.state().logs_error,
            None,
            "limits {max_range}/{max_results}"
        );
        let refused = proxy
            .log_ranges()
            .iter()
            .filter(|(f, t)| t - f + 1 > max_range)
            .count();
        let calls = proxy.log_ranges().len();
        assert!(
            refused > 0 || (limit == "results" && calls > 1),
            "{limit}: a query was refused and split"
        );
        for w in &app.state().wallets {
            let expected = support::transfers_touching(&oracle, w.address);
            let mut ours: Vec<(String, u64)> = w
                .history
                .as_ref()
                .expect("scanned despite the limits")
                .transfers
                .iter()
                .map(|t| (t.tx.to_string(), t.log_index))
                .collect();
            ours.sort();
            assert_eq!(ours, expected, "limits {max_range}/{max_results}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_reorg_between_refreshes_drops_the_orphaned_transfer_and_counts_the_new_once() {
    let mut rig = Rig::start(&[]).await;
    let before = rig.d.snapshot().await.unwrap();
    let orphaned = rig.move_pop(1_111).await;
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    assert!(rig.has_transfer(orphaned));
    // The block is replaced by a longer branch holding another transfer.
    rig.d.revert(before).await.unwrap();
    let replacement = rig.move_pop(2_222).await;
    rig.d.mine(2).await.unwrap();
    rig.refresh().await;
    rig.assert_ok_and_current().await;
    assert!(!rig.has_transfer(orphaned), "the orphaned transfer is gone");
    assert!(rig.has_transfer(replacement));
    // Refreshing again, over the confirmation window, doubles nothing.
    let count = rig.transfers_once_each().len();
    rig.d.mine(1).await.unwrap();
    rig.refresh().await;
    assert_eq!(rig.transfers_once_each().len(), count);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_chainlink_answer_from_long_ago_is_marked_stale_and_recovers() {
    use alloy::providers::Provider;
    let mut rig = Rig::start(&[]).await;
    let feed_status = |rig: &Rig| {
        rig.app.state().sources[&SourceName::Chainlink]
            .status
            .clone()
    };
    assert_eq!(feed_status(&rig), SourceStatus::Ok);
    let head = rig
        .d
        .provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap();
    // Updated 30 days ago: a dead feed.
    rig.d
        .set_feed_updated_at(
            rig.d.scenario.eth_usd_8dec,
            head.header.timestamp - 30 * 86_400,
        )
        .await
        .unwrap();
    rig.refresh().await;
    assert!(
        matches!(feed_status(&rig), SourceStatus::Failed { ref error } if error.contains("stale")),
        "{:?}",
        feed_status(&rig)
    );
    let kept = rig.app.state().eth_usd.clone().unwrap();
    assert!(kept.stale, "the figure stays, marked stale");
    assert!(rig.screen().contains("chainlink ✗"), "{}", rig.screen());
    // The chain itself is fine.
    assert_eq!(rig.status(), SourceStatus::Ok);
    // A fresh answer: the feed is current again at the next refresh.
    rig.d
        .set_feed_updated_at(rig.d.scenario.eth_usd_8dec, head.header.timestamp)
        .await
        .unwrap();
    rig.refresh().await;
    assert_eq!(feed_status(&rig), SourceStatus::Ok);
    assert!(!rig.app.state().eth_usd.clone().unwrap().stale);
}
