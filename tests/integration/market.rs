//! The market sources against the loopback server in the providers' documented shapes: figures
//! parsed as documented, every failure mode giving the right source state while the last good
//! figures stay, Retry-After honoured, the budget kept over a simulated day, the API key
//! nowhere but its header.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use popwatch::config::{Config, Secret};
use popwatch::sources::market::http::{ManualClock, SystemClock};
use popwatch::sources::market::{self, MarketSource};
use popwatch::state::{AppState, SourceName, SourceStatus, Update};
use popwatch_devnet::market_server::{Fault, MarketFixture, MarketServer};
use serde_json::json;
use time::OffsetDateTime;

const TOKEN: Address = Address::repeat_byte(0x5d);

fn fixture() -> MarketFixture {
    MarketFixture {
        token: TOKEN,
        price_usd: 0.00001,
        total_supply: 1.6e9,
        v2_pair: Some((Address::repeat_byte(0x77), 6000.0)),
        coingecko_id: "pop-chest-token".into(),
        coinpaprika_id: "pop-pop-chest-token".into(),
        name_suffix: String::new(),
        listed_contract: Some(TOKEN),
        updated_ago: Duration::from_secs(240),
    }
}

fn server() -> MarketServer {
    MarketServer::start(fixture()).unwrap()
}

fn config(s: &MarketServer) -> Config {
    let mut c = Config::default();
    c.token.address = TOKEN;
    c.market.coingecko_url = s.coingecko_url();
    c.market.coinpaprika_url = s.coinpaprika_url();
    c.market.dexscreener_url = s.dexscreener_url();
    c.chain.timeout_secs = 5;
    c
}

fn source(sources: &[MarketSource], name: SourceName) -> &MarketSource {
    sources
        .iter()
        .find(|s| popwatch::sources::Source::name(*s) == name)
        .unwrap()
}

fn apply(state: &mut AppState, updates: Vec<Update>) {
    for u in updates {
        state.apply(u);
    }
}

#[tokio::test]
async fn each_provider_parses_to_the_expected_quote() {
    let s = server();
    let config = config(&s);
    let sources = market::sources(&config, Arc::new(SystemClock));
    let mut state = AppState::new(&config);
    for src in &sources {
        apply(&mut state, src.read().await);
    }
    let cg = &state.market[&SourceName::Coingecko];
    assert_eq!(cg.price_usd, Some(0.00001 * 1.04));
    // CoinGecko answers 0 where it cannot count the circulating supply: unknown, never $0.
    assert_eq!(
        cg.market_cap_usd, None,
        "CoinGecko says 0: unknown circulating supply"
    );
    assert_eq!(cg.circulating_supply, None);
    assert_eq!(cg.total_supply, Some(1.6e9));
    assert_eq!(cg.volume_24h_usd, Some(48.0));
    assert_eq!(cg.ath_usd, Some(0.0289));
    assert_eq!(cg.rank, None, "a null rank stays unknown");
    assert_eq!(cg.dev_commits_4_weeks, Some(0.0));
    assert_eq!(cg.has_repository, Some(false));
    assert_eq!(cg.contract.address(), Some(format!("{TOKEN:#x}").as_str()));
    assert_eq!(cg.provider_id.as_deref(), Some("pop-chest-token"));

    let cp = &state.market[&SourceName::Coinpaprika];
    assert!((cp.price_usd.unwrap() - 0.0000096).abs() < 1e-15);
    assert_eq!(
        cp.circulating_supply,
        Some(1.6e9),
        "the full supply, unlike CoinGecko"
    );
    assert_eq!(cp.volume_24h_usd, Some(61.2));
    assert_eq!(cp.rank, None, "rank 0 means unranked");
    assert_eq!(
        cp.provider_id.as_deref(),
        Some("pop-pop-chest-token"),
        "resolved through the 301"
    );

    // Each provider's coin as it names it, and the contract it lists: CoinPaprika's from its
    // own /coins/{id}, not the address popwatch looked up with.
    assert_eq!(cg.coin_name.as_deref(), Some("POP Network Token"));
    assert_eq!(cg.coin_symbol.as_deref(), Some("pop"));
    assert_eq!(cp.coin_symbol.as_deref(), Some("POP"));
    assert_eq!(cp.contract.address(), Some(format!("{TOKEN:#x}").as_str()));
    assert!(
        s.requests()
            .iter()
            .any(|r| r.1 == "/v1/coins/pop-pop-chest-token")
    );
    // Their own update times (4 minutes before the answer), beside the fetch times.
    for q in [cg, cp] {
        let behind = q.fetched_at.unwrap() - q.as_of.unwrap();
        assert!((240..250).contains(&behind.whole_seconds()), "{behind}");
        assert_eq!(q.observed_at(), q.as_of);
    }

    let dx = &state.market[&SourceName::Dexscreener];
    assert_eq!(dx.as_of, None, "DexScreener does not say");
    assert_eq!(dx.coin_symbol.as_deref(), Some("POP"));
    assert_eq!(dx.price_usd, Some(0.00001), "priceUsd is a string there");
    assert_eq!(dx.liquidity_usd, Some(6000.0));
    assert_eq!(dx.volume_24h_usd, Some(31.42));

    // Where it trades: only obscure venues, all stale; no major listing.
    let venues = &state.venues[&SourceName::Coingecko];
    assert_eq!(
        venues
            .iter()
            .map(|v| v.exchange.as_str())
            .collect::<Vec<_>>(),
        ["uniswap_v1", "hotbit"]
    );
    assert!(venues.iter().all(|v| v.is_stale));
    assert_eq!(
        state.venues[&SourceName::Dexscreener][0].address.as_deref(),
        Some(Address::repeat_byte(0x77).to_checksum(None).as_str())
    );
    // Peers from both providers, and the 7-day chart merged into the history.
    assert_eq!(state.peers[&SourceName::Coingecko].len(), 2);
    assert_eq!(
        state.peers[&SourceName::Coinpaprika][0].symbol.as_deref(),
        Some("THETA")
    );
    assert!(state.price_history[&SourceName::Coingecko].len() >= 169);
    for name in [
        SourceName::Coingecko,
        SourceName::Coinpaprika,
        SourceName::Dexscreener,
    ] {
        assert_eq!(state.sources[&name].status, SourceStatus::Ok, "{name:?}");
    }
}

#[test]
fn documented_examples_parse_leniently() {
    // CoinPaprika's own documented ticker example (docs.coinpaprika.com quickstart), trimmed.
    let btc = json!({
        "id": "btc-bitcoin", "name": "Bitcoin", "symbol": "BTC", "rank": 1,
        "total_supply": 19883231, "max_supply": 21000000, "beta_value": 0.879448,
        "first_data_at": "2010-07-17T00:00:00Z", "last_updated": "2025-06-25T10:47:48Z",
        "quotes": {"USD": {"price": 107077.69661924685, "volume_24h": 23175936198.924427,
            "market_cap": 2129051326372u64, "percent_change_24h": 1.74, "ath_price": 111800.0,
            "percent_from_price_ath": -4.22}}
    });
    let q = market::coinpaprika::parse_ticker(&btc, OffsetDateTime::UNIX_EPOCH);
    assert_eq!(q.price_usd, Some(107077.69661924685));
    assert_eq!(q.rank, Some(1));
    assert_eq!(q.circulating_supply, None, "omitted, so unknown");
    assert_eq!(q.total_supply, Some(19883231.0));
    // CoinGecko's quirks: exponent notation, numbers as strings, nulls, unknown fields.
    let coin = json!({"id": "x", "surprise": {"new": true}, "market_data": {
        "current_price": {"usd": 1.054e-05}, "total_volume": {"usd": "48897.0"},
        "market_cap": {"usd": null}, "circulating_supply": null}});
    let q = market::coingecko::parse_coin(&coin, OffsetDateTime::UNIX_EPOCH);
    assert_eq!(q.price_usd, Some(1.054e-05));
    assert_eq!(q.volume_24h_usd, Some(48897.0));
    assert_eq!(
        (q.market_cap_usd, q.circulating_supply, q.total_supply),
        (None, None, None)
    );
    // DexScreener: a bare array, the legacy wrapper, `pairs: null`, an empty array.
    for empty in [json!([]), json!({"schemaVersion": "1.0.0", "pairs": null})] {
        let (q, venues) = market::dexscreener::parse_pairs(&empty, POP, OffsetDateTime::UNIX_EPOCH);
        assert_eq!((q.price_usd, venues.len()), (None, 0));
    }
    let legacy = json!({"pairs": [{"dexId": "uniswap", "priceUsd": "1.2e-05", "liquidity": {"usd": 10}, "baseToken": {"address": POP}}]});
    assert_eq!(
        market::dexscreener::parse_pairs(&legacy, POP, OffsetDateTime::UNIX_EPOCH)
            .0
            .price_usd,
        Some(1.2e-05)
    );
}

const POP: &str = "0x5d858bcd53e085920620549214a8b27ce2f04670";

/// DexScreener pairs with POP on either side: where POP is the quote token its price is
/// `priceUsd / priceNative` (the base's USD price over the base's price in POP), and the
/// pair's market cap, FDV and change (the base token's) are not POP's; a pair that does not
/// hold POP at all is not counted. Before, a POP-as-quote pair gave POP the other token's
/// price and contract.
#[test]
fn dexscreener_reads_pop_on_either_side_of_a_pair() {
    let weth = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
    let other = "0x1111111111111111111111111111111111111111";
    let pairs = json!([
        // WETH/POP: POP is the quote; 1 WETH = 300,000,000 POP, WETH at $3,000.
        {"dexId": "uniswap", "pairAddress": "0xaa", "priceUsd": "3000", "priceNative": "300000000",
         "baseToken": {"address": weth, "symbol": "WETH"}, "quoteToken": {"address": POP.to_uppercase().replace("0X", "0x"), "symbol": "POP"},
         "liquidity": {"usd": 6000}, "volume": {"h24": 50}, "marketCap": 9e9, "fdv": 9e9, "priceChange": {"h24": 3}},
        // Another token's pair, deeper: not counted.
        {"dexId": "uniswap", "pairAddress": "0xbb", "priceUsd": "1.5", "priceNative": "0.0005",
         "baseToken": {"address": other, "symbol": "OTH"}, "quoteToken": {"address": weth, "symbol": "WETH"},
         "liquidity": {"usd": 1e6}, "volume": {"h24": 1e5}}
    ]);
    let (q, venues) = market::dexscreener::parse_pairs(&pairs, POP, OffsetDateTime::UNIX_EPOCH);
    assert_eq!(q.price_usd, Some(3000.0 / 300_000_000.0));
    assert_eq!(q.market_cap_usd, None, "WETH's, not POP's");
    assert_eq!(q.fdv_usd, None);
    assert_eq!(q.change_24h_pct, None);
    assert_eq!(q.volume_24h_usd, Some(50.0));
    assert_eq!(q.liquidity_usd, Some(6000.0));
    assert!(q.contract.address().unwrap().eq_ignore_ascii_case(POP));
    assert_eq!(venues.len(), 1);
}

/// Every source read once from `fixture`'s server, with `pinned` CoinGecko id, into a state.
async fn state_from(fixture: MarketFixture, pinned: Option<&str>) -> AppState {
    let s = MarketServer::start(fixture).unwrap();
    let mut config = config(&s);
    config.token.coingecko_id = pinned.map(str::to_owned);
    let sources = market::sources(&config, Arc::new(SystemClock));
    let mut state = AppState::new(&config);
    for src in &sources {
        apply(&mut state, src.read().await);
    }
    state
}

#[tokio::test]
async fn a_coin_listing_another_contract_is_flagged_and_left_out_of_paper_value() {
    let other = Address::repeat_byte(0x66);
    let state = state_from(
        MarketFixture {
            listed_contract: Some(other),
            ..fixture()
        },
        None,
    )
    .await;
    let now = OffsetDateTime::now_utc();
    // CoinGecko and CoinPaprika list another contract: their prices are another coin's. The
    // paper value takes DexScreener's, which holds POP's address.
    assert_eq!(state.paper_price(), Some((0.00001, "dexscreener")));
    let flags = popwatch::flags::evaluate(&state, now, None);
    let mismatch = flags
        .raised
        .iter()
        .find(|w| w.id == "contract_mismatch")
        .expect("contract_mismatch raised");
    // The provider's mapping, not the token, is at fault: a warning, not a critical flag.
    assert_eq!(mismatch.severity, popwatch::flags::Severity::Warning);
    assert!(
        mismatch
            .detail
            .contains("coingecko's coin \"pop-chest-token\" (POP Network Token, pop) lists 0x6666")
            && mismatch.detail.contains("coinpaprika"),
        "{}",
        mismatch.detail
    );
    let sources: Vec<&str> = mismatch
        .evidence
        .iter()
        .map(|e| e.source.as_str())
        .collect();
    assert_eq!(sources, ["coingecko", "coinpaprika"]);
    let json = serde_json::to_value(popwatch::snapshot::to_json(&state, &flags, now)).unwrap();
    let cg = &json["market"]["sources"][0];
    assert_eq!(cg["identity"]["mismatch"], true);
    assert_eq!(cg["identity"]["contract_status"], "listed");
    assert_eq!(cg["contract_address"], format!("{other:#x}"));

    // A coin that lists no Ethereum contract says so, and accuses nothing.
    let state = state_from(
        MarketFixture {
            listed_contract: None,
            ..fixture()
        },
        None,
    )
    .await;
    let flags = popwatch::flags::evaluate(&state, now, None);
    assert!(!flags.raised.iter().any(|w| w.id == "contract_mismatch"));
    let json = serde_json::to_value(popwatch::snapshot::to_json(&state, &flags, now)).unwrap();
    for i in [0, 1] {
        let source = &json["market"]["sources"][i];
        assert_eq!(
            source["identity"]["contract_status"], "not_listed",
            "{source}"
        );
        assert_eq!(source["contract_address"], serde_json::Value::Null);
    }
    assert_eq!(state.paper_price().unwrap().1, "coingecko");
}

#[tokio::test]
async fn a_pinned_id_of_another_coin_is_checked_against_the_contract() {
    let state = state_from(fixture(), Some("theta-token")).await;
    let cg = &state.market[&SourceName::Coingecko];
    assert_eq!(cg.provider_id.as_deref(), Some("theta-token"));
    assert_eq!(
        cg.contract.address(),
        Some(popwatch_devnet::market_server::THETA_CONTRACT)
    );
    assert_eq!(state.paper_price().unwrap().1, "coinpaprika");
    let flags = popwatch::flags::evaluate(&state, OffsetDateTime::now_utc(), None);
    let mismatch = flags
        .raised
        .iter()
        .find(|w| w.id == "contract_mismatch")
        .unwrap();
    assert!(
        mismatch.detail.contains("\"theta-token\""),
        "{}",
        mismatch.detail
    );
}

#[tokio::test]
async fn figures_a_provider_last_updated_two_days_ago_are_two_days_old() {
    let state = state_from(
        MarketFixture {
            updated_ago: Duration::from_secs(2 * 86_400),
            ..fixture()
        },
        None,
    )
    .await;
    let now = OffsetDateTime::now_utc();
    for name in [SourceName::Coingecko, SourceName::Coinpaprika] {
        let source = &state.sources[&name];
        // Fetched just now, but as of two days ago: the age is the older.
        assert!((now - source.last_ok_at.unwrap()).whole_seconds() < 60);
        let age = (now - source.observed_at().unwrap()).whole_seconds();
        assert!(
            (2 * 86_400..2 * 86_400 + 60).contains(&age),
            "{name:?}: {age}"
        );
    }
    let flags = popwatch::flags::evaluate(&state, now, None);
    let json = serde_json::to_value(popwatch::snapshot::to_json(&state, &flags, now)).unwrap();
    let cg = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "coingecko")
        .unwrap();
    assert!(cg["age_secs"].as_i64().unwrap() >= 2 * 86_400, "{cg}");
    assert!(cg["fetched_at"].is_string() && cg["as_of"].is_string());
    // The status bar shows the older age, as stale.
    let app = popwatch::tui::App::new(state, now);
    let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 250, 1));
    ratatui::widgets::Widget::render(popwatch::tui::widgets::StatusBar(&app), buf.area, &mut buf);
    let line: String = buf.content().iter().map(|c| c.symbol()).collect();
    assert!(line.contains("coingecko stale 2d"), "{line}");
}

/// Reads every source; the clock moves past every lifetime first so nothing is cached.
async fn read_all(sources: &[MarketSource], clock: &ManualClock, state: &mut AppState) {
    clock.advance(Duration::from_secs(2 * 3600));
    for src in sources {
        apply(state, src.read().await);
    }
}

/// One fault on one route: every read ends within the timeout's bound, the source state names
/// the fault, the last good figures stay (with their own fetch time), and the next read after
/// the fault is good again.
async fn fault_then_recovery(route: &str, fault: Fault, name: SourceName, expect: &str) {
    let s = server();
    let config = config(&s);
    let clock = Arc::new(ManualClock::new());
    let sources = market::sources(&config, clock.clone());
    let mut state = AppState::new(&config);
    read_all(&sources, &clock, &mut state).await;
    assert_eq!(state.sources[&name].status, SourceStatus::Ok);
    let good = state.market.clone();
    s.fail_next(route, fault.clone());
    let started = Instant::now();
    read_all(&sources, &clock, &mut state).await;
    let took = started.elapsed();
    let bound = Duration::from_secs(config.chain.timeout_secs) + Duration::from_millis(1500);
    assert!(took < bound, "{fault:?}: the reads took {took:?}");
    let status = state.sources[&name].status.clone();
    match &status {
        SourceStatus::Failed { error } => assert!(error.contains(expect), "{fault:?}: {error}"),
        SourceStatus::RateLimited { until } => {
            assert_eq!(expect, "rate-limited");
            assert!(
                *until > OffsetDateTime::now_utc() + time::Duration::minutes(50),
                "{until}"
            );
        }
        SourceStatus::Ok => {
            // Empty pairs and all-null bodies are answers: figures become unknown.
            assert_eq!(expect, "", "{fault:?} should fail");
            let q = &state.market[&name];
            assert_eq!(q.price_usd, None, "{fault:?}: nothing invented");
        }
        other => panic!("{fault:?}: {other:?}"),
    }
    if !expect.is_empty() {
        // The last good figures stay, with their own fetch time.
        assert_eq!(state.market[&name], good[&name], "{fault:?}");
    }
    // The rate limit is over and the stall is served: the next read is good again.
    if let SourceStatus::RateLimited { .. } = status {
        clock.advance(Duration::from_secs(3601));
    }
    read_all(&sources, &clock, &mut state).await;
    assert_eq!(
        state.sources[&name].status,
        SourceStatus::Ok,
        "{fault:?} recovers"
    );
    assert_eq!(state.market[&name], {
        let mut fresh = good[&name].clone();
        fresh.fetched_at = state.market[&name].fetched_at;
        fresh
    });
}

const COIN: &str = "/api/v3/coins/pop-chest-token?";

#[tokio::test]
async fn an_html_503_page_fails_keeps_the_figures_and_recovers() {
    fault_then_recovery(COIN, Fault::Html503, SourceName::Coingecko, "HTML").await;
}

#[tokio::test]
async fn a_cloudflare_challenge_fails_keeps_the_figures_and_recovers() {
    fault_then_recovery(
        COIN,
        Fault::Cloudflare,
        SourceName::Coingecko,
        "Just a moment",
    )
    .await;
}

#[tokio::test]
async fn truncated_json_fails_keeps_the_figures_and_recovers() {
    fault_then_recovery(
        COIN,
        Fault::Truncated,
        SourceName::Coingecko,
        "malformed or truncated",
    )
    .await;
}

#[tokio::test]
async fn a_429_for_an_hour_rate_limits_keeps_the_figures_and_recovers() {
    fault_then_recovery(
        "/v1/tickers/pop-pop-chest-token",
        Fault::TooManyRequests("3600".into()),
        SourceName::Coinpaprika,
        "rate-limited",
    )
    .await;
}

#[tokio::test]
async fn a_stall_past_the_timeout_fails_within_it_and_recovers() {
    fault_then_recovery(
        "/token-pairs",
        Fault::Stall(Duration::from_secs(30)),
        SourceName::Dexscreener,
        "timed out",
    )
    .await;
}

#[tokio::test]
async fn empty_pairs_make_figures_unknown_not_invented() {
    fault_then_recovery(
        "/token-pairs",
        Fault::EmptyPairs,
        SourceName::Dexscreener,
        "",
    )
    .await;
}

#[tokio::test]
async fn all_null_fields_make_figures_unknown_not_invented() {
    fault_then_recovery(COIN, Fault::Nulls, SourceName::Coingecko, "").await;
}

#[tokio::test]
async fn a_429_with_retry_after_2_is_retried_after_2_seconds_and_succeeds() {
    let s = server();
    let config = config(&s);
    let sources = market::sources(&config, Arc::new(SystemClock));
    s.fail_next("/token-pairs", Fault::TooManyRequests("2".into()));
    let started = Instant::now();
    let updates = source(&sources, SourceName::Dexscreener).read().await;
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(matches!(updates[0], Update::Market { .. }), "{updates:?}");
    let times: Vec<Instant> = s
        .requests()
        .iter()
        .filter(|r| r.1.starts_with("/token-pairs"))
        .map(|r| r.0)
        .collect();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_secs(2),
        "retried after {:?}",
        times[1] - times[0]
    );
}

#[tokio::test]
async fn the_budget_holds_over_a_simulated_day_and_fits_the_monthly_quota() {
    let s = server();
    let config = config(&s);
    let clock = Arc::new(ManualClock::new());
    let sources = market::sources(&config, clock.clone());
    let mut state = AppState::new(&config);
    // A day of the default market refresh (every 10 minutes), the clock moved by hand.
    let cycles = 86_400 / config.market_refresh_secs;
    let mut per_cycle = Vec::new();
    for _ in 0..cycles {
        let before: Vec<u64> = sources.iter().map(MarketSource::requests_sent).collect();
        for src in &sources {
            apply(&mut state, src.read().await);
        }
        let after: Vec<u64> = sources.iter().map(MarketSource::requests_sent).collect();
        per_cycle.push(
            after
                .iter()
                .zip(&before)
                .map(|(a, b)| a - b)
                .collect::<Vec<_>>(),
        );
        clock.advance(Duration::from_secs(config.market_refresh_secs));
    }
    // Within each simulated minute, never more than each source's budget.
    let budgets = [
        market::COINGECKO_PER_MINUTE,
        market::COINPAPRIKA_PER_MINUTE,
        market::DEXSCREENER_PER_MINUTE,
    ];
    for cycle in &per_cycle {
        for (sent, budget) in cycle.iter().zip(budgets) {
            assert!(*sent as usize <= budget, "{cycle:?}");
        }
    }
    let coingecko_day: u64 = per_cycle.iter().map(|c| c[0]).sum();
    let month = coingecko_day * 30;
    eprintln!("CoinGecko: {coingecko_day} calls a day, {month} a month");
    assert!(
        month <= 10_000,
        "CoinGecko Demo quota: {month} calls a month"
    );
    assert_eq!(
        state.sources[&SourceName::Coingecko].status,
        SourceStatus::Ok
    );
    // The server saw what the sources counted (plus the one hop of CoinPaprika's 301).
    assert_eq!(
        s.requests().len() as u64,
        sources.iter().map(MarketSource::requests_sent).sum::<u64>() + 1
    );
}

#[tokio::test]
async fn the_api_key_goes_in_its_header_and_nowhere_else() {
    let s = server();
    let mut config = config(&s);
    config.market.coingecko_api_key = Secret::new("CG-topsecretkey");
    let sources = market::sources(&config, Arc::new(SystemClock));
    let cg = source(&sources, SourceName::Coingecko);
    let updates = cg.read().await;
    assert!(
        s.requests()
            .iter()
            .all(|(_, path, key)| !path.contains("topsecret")
                && key.as_deref() == Some("CG-topsecretkey"))
    );
    // Failures: no error text carries the key.
    for fault in [
        Fault::Html503,
        Fault::Truncated,
        Fault::TooManyRequests("3600".into()),
    ] {
        s.fail_next("/api/v3/coins", fault);
        let fresh = market::sources(&config, Arc::new(SystemClock));
        for u in source(&fresh, SourceName::Coingecko)
            .read()
            .await
            .into_iter()
            .chain(updates.clone())
        {
            assert!(!format!("{u:?}").contains("topsecret"), "{u:?}");
        }
    }
}

#[tokio::test]
async fn ids_resolve_by_contract_and_a_pinned_id_skips_the_lookup() {
    let s = server();
    let mut config = config(&s);
    let sources = market::sources(&config, Arc::new(SystemClock));
    for src in &sources {
        src.read().await;
    }
    let paths: Vec<String> = s.requests().into_iter().map(|r| r.1).collect();
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/api/v3/coins/ethereum/contract/"))
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/v1/contracts/eth-ethereum/"))
    );
    s.clear_requests();
    config.token.coingecko_id = Some("pop-chest-token".into());
    config.token.coinpaprika_id = Some("pop-pop-chest-token".into());
    let sources = market::sources(&config, Arc::new(SystemClock));
    for src in &sources {
        assert!(
            src.read()
                .await
                .iter()
                .any(|u| matches!(u, Update::Market { .. }))
        );
    }
    let paths: Vec<String> = s.requests().into_iter().map(|r| r.1).collect();
    assert!(!paths.iter().any(|p| p.contains("/contract")), "{paths:?}");
}

/// A 429 whose Retry-After no server could mean (past u64, or the year 9999) leaves the source
/// rate-limited for a day at most, its figures kept: never a panic, never silenced for good.
#[tokio::test]
async fn an_absurd_retry_after_is_believed_for_a_day_at_most() {
    for absurd in ["18446744073709551615", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let s = server();
        let config = config(&s);
        let clock = Arc::new(ManualClock::new());
        let sources = market::sources(&config, clock.clone());
        let mut state = AppState::new(&config);
        read_all(&sources, &clock, &mut state).await;
        let good = state.market[&SourceName::Coinpaprika].clone();
        s.fail_next(
            "/v1/tickers/pop-pop-chest-token",
            Fault::TooManyRequests(absurd.into()),
        );
        read_all(&sources, &clock, &mut state).await;
        match &state.sources[&SourceName::Coinpaprika].status {
            SourceStatus::RateLimited { until } => {
                let now = OffsetDateTime::now_utc();
                assert!(
                    *until > now + time::Duration::hours(23)
                        && *until <= now + time::Duration::days(1),
                    "{absurd}: until {until}"
                );
            }
            other => panic!("{absurd}: {other:?}"),
        }
        assert_eq!(state.market[&SourceName::Coinpaprika], good, "{absurd}");
        // A day later it asks again, and is answered.
        clock.advance(Duration::from_secs(86_401));
        read_all(&sources, &clock, &mut state).await;
        assert_eq!(
            state.sources[&SourceName::Coinpaprika].status,
            SourceStatus::Ok,
            "{absurd}"
        );
    }
}

/// A 200 MiB answer (valid JSON behind 200 MiB of whitespace, with no Content-Length, so only
/// counting the bytes as they come can refuse it) fails at the cap, 8 MiB by default, without
/// being held: the figures stay and the next read is good.
#[tokio::test]
async fn a_200_mib_answer_fails_at_the_size_cap_and_recovers() {
    fault_then_recovery(
        COIN,
        Fault::Padded(200 * 1024 * 1024),
        SourceName::Coingecko,
        "answer larger than 8 MiB",
    )
    .await;
}

/// An answer that trickles in a byte every 100 ms (each read of the socket succeeds, so no
/// idle timeout fires) fails at the request's deadline, which bounds the whole body.
#[tokio::test]
async fn a_body_trickling_a_byte_at_a_time_fails_at_the_deadline_and_recovers() {
    fault_then_recovery(
        "/token-pairs",
        Fault::Trickle(Duration::from_millis(100)),
        SourceName::Dexscreener,
        "timed out",
    )
    .await;
}

/// A provider answering a redirect to another server (another port on loopback, so another
/// origin): the request with the API key header is not followed there; the source fails with
/// the 301 and the other server never sees the key. Before, reqwest followed it with the
/// custom key header (it strips only `Authorization` and cookies).
#[tokio::test]
async fn the_api_key_never_follows_a_redirect_to_another_origin() {
    let s = server();
    let elsewhere = server();
    let mut config = config(&s);
    config.market.coingecko_api_key = Secret::new("CG-topsecretkey");
    let sources = market::sources(&config, Arc::new(SystemClock));
    s.fail_next(
        COIN,
        Fault::RedirectTo(format!(
            "{}/api/v3/coins/pop-chest-token?localization=false",
            elsewhere.base()
        )),
    );
    let mut state = AppState::new(&config);
    apply(
        &mut state,
        source(&sources, SourceName::Coingecko).read().await,
    );
    assert!(
        elsewhere
            .requests()
            .iter()
            .all(|(_, _, key)| key.as_deref() != Some("CG-topsecretkey")),
        "{:?}",
        elsewhere.requests()
    );
    assert!(elsewhere.requests().is_empty(), "not followed at all");
    match &state.sources[&SourceName::Coingecko].status {
        SourceStatus::Failed { error } => assert!(error.contains("301"), "{error}"),
        other => panic!("{other:?}"),
    }
}

/// Connection failures are told apart, each with what to try: a name that does not resolve,
/// a port nothing listens on, a TLS handshake with a server that speaks plain HTTP.
#[tokio::test]
async fn connection_failures_say_which_and_what_to_try() {
    let s = server();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    // A server that answers a TLS hello as a plain-HTTP one does: a 400, then it hangs up.
    let plain_http = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(4) {
                let Ok(mut stream) = stream else { continue };
                let _ = std::io::Write::write_all(
                    &mut stream,
                    b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n",
                );
            }
        });
        format!("https://127.0.0.1:{port}/api/v3")
    };
    for (url, says) in [
        ("http://popwatch-test.invalid/api/v3".to_owned(), "DNS"),
        (
            format!("http://127.0.0.1:{closed}/api/v3"),
            "connection refused",
        ),
        (plain_http, "TLS handshake failed"),
    ] {
        let mut config = config(&s);
        config.market.coingecko_url = url.clone();
        let sources = market::sources(&config, Arc::new(SystemClock));
        let mut state = AppState::new(&config);
        apply(
            &mut state,
            source(&sources, SourceName::Coingecko).read().await,
        );
        match &state.sources[&SourceName::Coingecko].status {
            SourceStatus::Failed { error } => {
                assert!(
                    error.contains(says) && error.contains("check"),
                    "{url}: {error}"
                )
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}
