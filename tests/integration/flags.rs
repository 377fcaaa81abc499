//! Every red-flag rule on built state: just below and just above its threshold, its inputs
//! missing (not evaluated, nothing raised), its evidence; then end to end on the devnet.

use alloy::primitives::{Address, B256, U256};
use popwatch::config::{Config, RpcUrl, WalletConfig};
use popwatch::exit::compute as exits;
use popwatch::flags::{self, Flags, Severity};
use popwatch::state::exits::{SellCheck, SellOutcome};
use popwatch::state::market::{ListedContract, MarketQuote, MarketVenue};
use popwatch::state::transfers::{LogReading, TransferSeen, WalletHistory};
use popwatch::state::{AppState, SourceName, Update};
use popwatch_devnet::reading::{ReadingBuilder, e18, eth_usd};
use popwatch_devnet::{Anvil, Devnet, Preset, Role, Scenario};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);
const WALLET: Address = Address::repeat_byte(0x11);

/// A chain read: POP's expected facts, one V2 pool with `pool_eth` ETH against 300M POP per
/// ETH, the wallet holding `pop` and `eth`.
fn state_with(pool_eth_milli: u64, pop: U256, eth: U256) -> AppState {
    state_with_gas(
        pool_eth_milli,
        pop,
        eth,
        Some(U256::from(10_000_000_000u64)),
    )
}

/// [`state_with`] at `gas_price` (`None`: the node's answer was unknown).
fn state_with_gas(pool_eth_milli: u64, pop: U256, eth: U256, gas_price: Option<U256>) -> AppState {
    let config = Config {
        wallets: vec![WalletConfig {
            label: "w".into(),
            address: WALLET,
            ens: None,
        }],
        ..Config::default()
    };
    let mut state = AppState::new(&config);
    let pool_eth = U256::from(pool_eth_milli) * U256::from(10u64).pow(U256::from(15));
    let mut reading = ReadingBuilder::new(NOW)
        .block(100, NOW)
        .endpoint("test")
        .wallet(WALLET, pop, eth)
        .eth_usd(Ok(eth_usd(3_000, NOW - Duration::minutes(7))))
        .gas_price(gas_price);
    if !pool_eth.is_zero() {
        reading = reading.v2_pool(
            Address::repeat_byte(0x99),
            pool_eth * U256::from(300_000_000u64),
            pool_eth,
        );
    }
    let reading = reading.build();
    let exits = exits::compute(&reading, 18);
    state.apply(Update::ChainRead(Box::new(reading)));
    state.apply(Update::Exits(Box::new(exits)));
    state
}

fn base() -> AppState {
    state_with(1_000, e18(1_000_000), e18(1))
}

fn raised(state: &AppState, id: &str) -> bool {
    flags::evaluate(state, NOW, None)
        .raised
        .iter()
        .any(|w| w.id == id)
}

fn not_evaluated(state: &AppState, id: &str) -> Option<String> {
    flags::evaluate(state, NOW, None)
        .not_evaluated
        .into_iter()
        .find(|n| n.id == id)
        .map(|n| n.missing)
}

fn market(state: &mut AppState, source: SourceName, q: MarketQuote) {
    state.apply(Update::Market {
        source,
        quote: Box::new(MarketQuote {
            fetched_at: Some(NOW - Duration::minutes(3)),
            ..q
        }),
    });
}

#[test]
fn thin_liquidity_with_its_threshold_hysteresis_and_evidence() {
    // 1 ETH a side at $3,000: $6,000 of liquidity.
    let mut state = base();
    state.rules.thresholds.min_liquidity_usd = 6_000.01;
    assert!(raised(&state, "thin_liquidity"));
    state.rules.thresholds.min_liquidity_usd = 5_999.99;
    assert!(!raised(&state, "thin_liquidity"));
    // Hovering just above after being raised: stays raised until 5% above.
    let previous = {
        let mut s = state.clone();
        s.rules.thresholds.min_liquidity_usd = 7_000.0;
        flags::evaluate(&s, NOW, None)
    };
    assert!(
        flags::evaluate(&state, NOW, Some(&previous))
            .raised
            .iter()
            .any(|w| w.id == "thin_liquidity")
    );
    state.rules.thresholds.min_liquidity_usd = 5_700.0;
    assert!(
        !flags::evaluate(&state, NOW, Some(&previous))
            .raised
            .iter()
            .any(|w| w.id == "thin_liquidity")
    );
    // Evidence: the pool's reserve from the chain, ETH/USD from Chainlink with its time.
    state.rules.thresholds.min_liquidity_usd = 50_000.0;
    let w = flags::evaluate(&state, NOW, None)
        .raised
        .into_iter()
        .find(|w| w.id == "thin_liquidity")
        .unwrap();
    let feed = w.evidence.iter().find(|e| e.source == "chainlink").unwrap();
    assert_eq!(feed.observed_at, Some(datetime!(2026-11-25 11:53:00 UTC)));
    assert_eq!(w.subject.unwrap().kind, "pool");
    // Unknown ETH/USD: not evaluated, naming the source.
    let mut no_feed = base();
    no_feed.eth_usd = None;
    assert!(!raised(&no_feed, "thin_liquidity"));
    assert!(
        not_evaluated(&no_feed, "thin_liquidity")
            .unwrap()
            .contains("chainlink")
    );
}

#[test]
fn no_pool_raises_only_when_pools_were_read() {
    assert!(raised(&state_with(0, e18(5), e18(1)), "no_pool"));
    assert!(!raised(&base(), "no_pool"));
    let unread = AppState::new(&Config::default());
    assert!(!raised(&unread, "no_pool"));
    assert!(not_evaluated(&unread, "no_pool").is_some());
}

#[test]
fn exit_rules_high_impact_below_gas_no_gas() {
    let state = base();
    let impact = state.wallets[0].exit.as_ref().unwrap().price_impact_pct;
    let mut s = state.clone();
    s.rules.thresholds.max_price_impact_pct = impact - 0.01;
    assert!(raised(&s, "high_price_impact"));
    s.rules.thresholds.max_price_impact_pct = impact + 0.01;
    assert!(!raised(&s, "high_price_impact"));
    // Dust: gross below gas.
    let dust = state_with(1_000, e18(1) / U256::from(2), e18(1));
    assert!(raised(&dust, "exit_below_gas"));
    assert!(!raised(&base(), "exit_below_gas"));
    let w = flags::evaluate(&dust, NOW, None)
        .raised
        .into_iter()
        .find(|w| w.id == "exit_below_gas")
        .unwrap();
    assert_eq!(w.severity, Severity::Critical);
    // No ETH to pay the exit's gas.
    assert!(raised(
        &state_with(1_000, e18(1_000_000), U256::ZERO),
        "no_gas"
    ));
    assert!(!raised(&base(), "no_gas"));
    let unread = AppState::new(&Config::default());
    assert!(not_evaluated(&unread, "high_price_impact").is_some());
}

#[test]
fn cannot_sell_and_open_approval() {
    let mut state = base();
    assert!(!raised(&state, "cannot_sell"));
    assert!(
        not_evaluated(&state, "cannot_sell").is_some(),
        "a sell check not run yet is not a clear one"
    );
    let severity = |state: &AppState| {
        flags::evaluate(state, NOW, None)
            .raised
            .into_iter()
            .find(|w| w.id == "cannot_sell")
            .map(|w| w.severity)
    };
    // Only a failing sale accuses the token; dust and a wallet that cannot receive are
    // information; a check that could not run is not evaluated, with its reason.
    for (outcome, expected) in [
        (SellOutcome::Fails, Some(Severity::Critical)),
        (SellOutcome::TooSmall, Some(Severity::Info)),
        (SellOutcome::CannotReceive, Some(Severity::Info)),
        (SellOutcome::NotEvaluated, None),
        (SellOutcome::Sells, None),
    ] {
        state.wallets[0].sell_check = Some(SellCheck::new(outcome, "Uniswap V2: the detail"));
        assert_eq!(severity(&state), expected, "{outcome:?}");
        assert_eq!(
            not_evaluated(&state, "cannot_sell").is_some(),
            outcome == SellOutcome::NotEvaluated,
            "{outcome:?}"
        );
    }
    state.wallets[0].sell_check = Some(SellCheck::new(
        SellOutcome::Fails,
        "Uniswap V2: reverts (UniswapV2: K)",
    ));
    assert!(raised(&state, "cannot_sell"));
    assert!(
        not_evaluated(&state, "open_approval").is_some(),
        "logs not scanned"
    );
    let logs = |approvals: Vec<(Address, U256)>| LogReading {
        block: 100,
        wallets: vec![WalletHistory {
            address: WALLET,
            approvals,
            ..WalletHistory::default()
        }],
        latest_transfer: None,
        covered_since: None,
        from_first_block: true,
        get_logs_calls: 1,
    };
    state.apply(Update::Logs(Box::new(logs(vec![(
        Address::repeat_byte(0x42),
        U256::from(5),
    )]))));
    assert!(raised(&state, "open_approval"));
    state.apply(Update::Logs(Box::new(logs(Vec::new()))));
    assert!(!raised(&state, "open_approval"));
}

#[test]
fn market_thresholds_volume_drawdown_market_cap_divergence() {
    let mut state = base();
    for id in [
        "low_volume",
        "deep_drawdown",
        "tiny_market_cap",
        "price_divergence",
        "no_major_listing",
        "no_development",
    ] {
        assert!(!raised(&state, id), "{id}");
        assert!(
            not_evaluated(&state, id).is_some(),
            "{id} without market data"
        );
    }
    let onchain = state.onchain_price_usd().unwrap();
    market(
        &mut state,
        SourceName::Coingecko,
        MarketQuote {
            price_usd: Some(onchain * 1.21),
            volume_24h_usd: Some(999.0),
            ath_change_pct: Some(-90.1),
            market_cap_usd: Some(999_999.0),
            ..MarketQuote::default()
        },
    );
    for id in [
        "low_volume",
        "deep_drawdown",
        "tiny_market_cap",
        "price_divergence",
    ] {
        assert!(raised(&state, id), "{id} just past its threshold");
    }
    let low = flags::evaluate(&state, NOW, None)
        .raised
        .into_iter()
        .find(|w| w.id == "low_volume")
        .unwrap();
    assert_eq!(low.evidence[0].source, "coingecko");
    assert_eq!(
        low.evidence[0].observed_at,
        Some(datetime!(2026-11-25 11:57:00 UTC))
    );
    market(
        &mut state,
        SourceName::Coingecko,
        MarketQuote {
            price_usd: Some(onchain * 1.19),
            volume_24h_usd: Some(1_001.0),
            ath_change_pct: Some(-89.9),
            market_cap_usd: Some(1_000_001.0),
            ..MarketQuote::default()
        },
    );
    for id in [
        "low_volume",
        "deep_drawdown",
        "tiny_market_cap",
        "price_divergence",
    ] {
        assert!(!raised(&state, id), "{id} just inside its threshold");
    }
    // A market cap of 0 is unknown, not tiny.
    market(
        &mut state,
        SourceName::Coingecko,
        MarketQuote {
            market_cap_usd: Some(0.0),
            ..MarketQuote::default()
        },
    );
    assert!(!raised(&state, "tiny_market_cap"));
    assert!(not_evaluated(&state, "tiny_market_cap").is_some());
}

#[test]
fn supply_listing_and_development() {
    let mut state = base();
    market(
        &mut state,
        SourceName::Coingecko,
        MarketQuote {
            // Half the supply circulating, by CoinGecko's count.
            circulating_supply: Some(8.0e8),
            total_supply: Some(1.6e9),
            dev_commits_4_weeks: Some(0.0),
            has_repository: Some(false),
            ..MarketQuote::default()
        },
    );
    assert!(
        !raised(&state, "supply_mismatch"),
        "the total agrees with the chain, one circulating figure alone"
    );
    market(
        &mut state,
        SourceName::Coinpaprika,
        MarketQuote {
            circulating_supply: Some(1.6e9),
            total_supply: Some(1.6e9),
            ..MarketQuote::default()
        },
    );
    assert!(raised(&state, "supply_mismatch"));
    market(
        &mut state,
        SourceName::Coingecko,
        MarketQuote {
            circulating_supply: Some(1.6e9),
            total_supply: Some(1.6e9),
            dev_commits_4_weeks: Some(12.0),
            has_repository: Some(true),
            ..MarketQuote::default()
        },
    );
    assert!(!raised(&state, "supply_mismatch"));
    assert!(!raised(&state, "no_development"));
    market(
        &mut state,
        SourceName::Coingecko,
        MarketQuote {
            total_supply: Some(1.6e9),
            dev_commits_4_weeks: Some(0.0),
            ..MarketQuote::default()
        },
    );
    assert!(raised(&state, "no_development"));
    let venue = |exchange: &str| MarketVenue {
        exchange: exchange.into(),
        pair: "POP/ETH".into(),
        ..MarketVenue::default()
    };
    state.apply(Update::Venues {
        source: SourceName::Coingecko,
        venues: vec![venue("uniswap_v1")],
    });
    assert!(raised(&state, "no_major_listing"));
    state.apply(Update::Venues {
        source: SourceName::Coingecko,
        venues: vec![venue("uniswap_v1"), venue("binance")],
    });
    assert!(!raised(&state, "no_major_listing"));
}

#[test]
fn contract_mismatch_on_chain_facts_and_listed_addresses() {
    let mut state = base();
    assert!(!raised(&state, "contract_mismatch"));
    state.token.symbol = Some("P0P".into());
    assert!(raised(&state, "contract_mismatch"));
    // A fact the chain answered, unlike the config's: proven, so critical.
    let proven = flags::evaluate(&state, NOW, None)
        .raised
        .into_iter()
        .find(|w| w.id == "contract_mismatch")
        .unwrap();
    assert_eq!(proven.severity, popwatch::flags::Severity::Critical);
    let mut state = base();
    market(
        &mut state,
        SourceName::Coingecko,
        MarketQuote {
            contract: ListedContract::Listed(format!("{:#x}", Address::repeat_byte(0x66))),
            ..MarketQuote::default()
        },
    );
    let w = flags::evaluate(&state, NOW, None)
        .raised
        .into_iter()
        .find(|w| w.id == "contract_mismatch")
        .unwrap();
    assert_eq!(w.evidence[0].source, "coingecko");
}

/// Same first and last 2 bytes (4 hex digits each), zeros between.
fn lookalike_of(a: Address) -> Address {
    let mut bytes = [0u8; 20];
    bytes[..2].copy_from_slice(&a[..2]);
    bytes[18..].copy_from_slice(&a[18..]);
    Address::from(bytes)
}

fn transfer(
    block: u64,
    from: Address,
    to: Address,
    amount: u64,
    sender: Option<Address>,
) -> TransferSeen {
    TransferSeen {
        block,
        time: Some(NOW - Duration::days(40 - block as i64)),
        tx: B256::repeat_byte(block as u8),
        log_index: 0,
        from,
        to,
        amount: U256::from(amount),
        tx_sender: sender,
    }
}

#[test]
fn address_poisoning_and_dormancy() {
    let friend: Address = "0xab5801a7d398351b8be11c439e05c5b3259aec9b"
        .parse()
        .unwrap();
    let lookalike = lookalike_of(friend);
    let logs = |transfers: Vec<TransferSeen>, latest: Option<TransferSeen>| LogReading {
        block: 100,
        wallets: vec![WalletHistory {
            address: WALLET,
            transfers,
            ..WalletHistory::default()
        }],
        latest_transfer: latest,
        covered_since: None,
        from_first_block: true,
        get_logs_calls: 1,
    };
    let mut state = base();
    assert!(not_evaluated(&state, "address_poisoning").is_some());
    assert!(not_evaluated(&state, "dormant_contract").is_some());
    let sent = transfer(1, WALLET, friend, 100, None);
    state.apply(Update::Logs(Box::new(logs(
        vec![sent.clone()],
        Some(sent.clone()),
    ))));
    assert!(!raised(&state, "address_poisoning"));
    let poison = transfer(2, lookalike, WALLET, 0, Some(lookalike));
    state.apply(Update::Logs(Box::new(logs(
        vec![sent.clone(), poison.clone()],
        Some(poison.clone()),
    ))));
    let w = flags::evaluate(&state, NOW, None)
        .raised
        .into_iter()
        .find(|w| w.id == "address_poisoning")
        .unwrap();
    assert!(
        w.evidence
            .iter()
            .any(|e| e.value == lookalike.to_checksum(None))
    );
    assert!(
        w.evidence
            .iter()
            .any(|e| e.value == friend.to_checksum(None))
    );
    // A zero-value transfer out that the wallet did not sign.
    let spoof = transfer(3, WALLET, friend, 0, Some(Address::repeat_byte(0xaa)));
    state.apply(Update::Logs(Box::new(logs(
        vec![sent.clone(), spoof],
        None,
    ))));
    assert!(raised(&state, "address_poisoning"));
    // Dormancy on chain time: the last Transfer 30 days before the block raises, 29 does not.
    let at = |days: i64| TransferSeen {
        time: Some(NOW - Duration::days(days)),
        ..sent.clone()
    };
    state.apply(Update::Logs(Box::new(logs(vec![], Some(at(30))))));
    assert!(raised(&state, "dormant_contract"));
    state.apply(Update::Logs(Box::new(logs(vec![], Some(at(29))))));
    assert!(!raised(&state, "dormant_contract"));
    // No Transfer at all in the window proves dormancy only where the window covers
    // dormant_days (30): 10 days covered is not evaluated, 31 days raises.
    let window = |days: i64| LogReading {
        covered_since: Some(NOW - Duration::days(days)),
        from_first_block: false,
        ..logs(vec![], None)
    };
    let mut fresh = base();
    fresh.apply(Update::Logs(Box::new(window(10))));
    assert!(!raised(&fresh, "dormant_contract"));
    assert!(
        not_evaluated(&fresh, "dormant_contract").is_some_and(|m| m.contains("10 days")),
        "{:?}",
        not_evaluated(&fresh, "dormant_contract")
    );
    fresh.apply(Update::Logs(Box::new(window(31))));
    assert!(raised(&fresh, "dormant_contract"));
    // A failing scan is not evidence either way.
    fresh.apply(Update::LogsFailed {
        error: "eth_getLogs: header not found".into(),
    });
    assert!(!raised(&fresh, "dormant_contract"));
    assert!(not_evaluated(&fresh, "dormant_contract").is_some_and(|m| m.contains("failing")));
}

#[test]
fn sources_failing_and_wrong_chain_and_ordering() {
    let mut state = base();
    assert!(!raised(&state, "source_failing"));
    state.apply(Update::SourceFailed {
        source: SourceName::Coingecko,
        error: "HTTP 503".into(),
    });
    assert!(raised(&state, "source_failing"));
    // Fresh data goes stale after twice the refresh interval.
    let stale_at = NOW + Duration::seconds(61);
    assert!(
        flags::evaluate(&state, stale_at, None)
            .raised
            .iter()
            .any(|w| w.id == "source_failing" && w.subject.as_ref().unwrap().id == "chain")
    );
    state.apply(Update::EndpointRefused {
        endpoint: "https://rpc.example/***".into(),
        expected: 1,
        got: 56,
    });
    let flags: Flags = flags::evaluate(&state, NOW, None);
    let wrong = flags.raised.iter().find(|w| w.id == "wrong_chain").unwrap();
    assert_eq!(wrong.subject.as_ref().unwrap().kind, "endpoint");
    // Most severe first.
    let severities: Vec<Severity> = flags.raised.iter().map(|w| w.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
}

#[test]
fn every_rule_of_product_md_is_evaluated_or_says_why_not() {
    // On an empty state every rule that needs data says what it lacks; none crashes.
    let empty = AppState::new(&Config::default());
    let f = flags::evaluate(&empty, NOW, None);
    for n in &f.not_evaluated {
        assert!(!n.missing.is_empty(), "{}", n.id);
    }
    // PRODUCT.md's table, in its order, by the names scripts match on.
    let names: Vec<&str> = flags::RuleId::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        [
            "no_pool",
            "thin_liquidity",
            "high_price_impact",
            "exit_below_gas",
            "no_gas",
            "cannot_sell",
            "open_approval",
            "low_volume",
            "supply_mismatch",
            "deep_drawdown",
            "tiny_market_cap",
            "no_major_listing",
            "dormant_contract",
            "no_development",
            "price_divergence",
            "contract_mismatch",
            "address_poisoning",
            "source_failing",
            "wrong_chain",
            "concentrated_supply",
            "few_holders",
        ]
    );
}

async fn devnet_flags(config: &Config) -> Vec<&'static str> {
    let state = popwatch::snapshot::collect(config).await;
    let now = OffsetDateTime::now_utc();
    flags::evaluate(&state, now, None)
        .raised
        .into_iter()
        .map(|w| w.id.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn the_thin_devnet_raises_what_the_article_warns_about() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = d.config().unwrap();
    let ids = devnet_flags(&config).await;
    for id in [
        "thin_liquidity",
        "high_price_impact",
        "low_volume",
        "deep_drawdown",
        "tiny_market_cap",
        "no_major_listing",
        "no_gas",
        "open_approval",
    ] {
        assert!(ids.contains(&id), "{id} not raised: {ids:?}");
    }
    assert!(
        !ids.contains(&"dormant_contract"),
        "the last Transfer is 5 days old"
    );
    // CoinGecko's circulating supply of 0 is its "unknown": one count is no disagreement.
    assert!(!ids.contains(&"supply_mismatch"), "{ids:?}");
    // Thirty-one days later, nothing has moved.
    d.advance_time(31 * 86_400).await.unwrap();
    let ids = devnet_flags(&config).await;
    assert!(ids.contains(&"dormant_contract"), "{ids:?}");

    // A lookalike of the deployer (which the whale paid) sends the whale 0 POP.
    let lookalike = lookalike_of(d.deployer);
    d.fund(lookalike, e18(1)).await.unwrap();
    d.exec(
        lookalike,
        d.contracts.pop,
        popwatch::abi::IERC20::transferCall {
            to: d.wallet(Role::Whale).address,
            value: U256::ZERO,
        },
    )
    .await
    .unwrap();
    assert!(devnet_flags(&config).await.contains(&"address_poisoning"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn the_deep_devnet_raises_no_liquidity_flag() {
    let d = Devnet::start(Scenario::preset(Preset::Deep)).await.unwrap();
    let ids = devnet_flags(&d.config().unwrap()).await;
    for id in ["no_pool", "thin_liquidity", "high_price_impact"] {
        assert!(!ids.contains(&id), "{id} raised on deep pools: {ids:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn a_wrong_chain_endpoint_raises_wrong_chain() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let other = Anvil::spawn(&["--chain-id", "1"]).unwrap();
    let mut config = d.config().unwrap();
    config.chain.rpc_urls = vec![
        RpcUrl::parse(&other.url()).unwrap(),
        RpcUrl::parse(&d.url).unwrap(),
    ];
    assert!(devnet_flags(&config).await.contains(&"wrong_chain"));
}

/// One definition of a lookalike: the wallet detail marks exactly the transfers the
/// address_poisoning rule accuses. The genuine counterparty, which the fake imitates, is not
/// marked for resembling the fake that came after it (the detail used to mark both).
#[test]
fn the_wallet_detail_marks_exactly_the_transfers_the_rule_accuses() {
    use popwatch::tui::{Action, App};
    let friend: Address = "0xab5801a7d398351b8be11c439e05c5b3259aec9b"
        .parse()
        .unwrap();
    let lookalike = lookalike_of(friend);
    let sent = transfer(1, WALLET, friend, 100, None);
    let poison = transfer(2, lookalike, WALLET, 0, Some(lookalike));
    let mut state = base();
    state.apply(Update::Logs(Box::new(LogReading {
        block: 100,
        wallets: vec![WalletHistory {
            address: WALLET,
            transfers: vec![sent, poison],
            ..WalletHistory::default()
        }],
        latest_transfer: None,
        covered_since: None,
        from_first_block: true,
        get_logs_calls: 1,
    })));
    let accused: Vec<String> = flags::evaluate(&state, NOW, None)
        .raised
        .iter()
        .filter(|w| w.id == "address_poisoning")
        .flat_map(|w| w.evidence.iter())
        .filter(|e| e.figure == "lookalike")
        .map(|e| e.value.clone())
        .collect();
    assert_eq!(accused, [lookalike.to_checksum(None)]);

    let mut app = App::new(state, NOW);
    app.handle(Action::Open);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 50)).unwrap();
    terminal
        .draw(|f| popwatch::tui::widgets::draw(f, &app))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let screen: Vec<String> = buffer
        .content()
        .chunks(buffer.area.width as usize)
        .map(|row| row.iter().map(|c| c.symbol()).collect())
        .collect();
    let line_with = |address: Address| {
        screen
            .iter()
            .find(|l| l.contains(&address.to_checksum(None)) && l.contains(" POP "))
            .unwrap_or_else(|| panic!("no transfer line with {address}:\n{}", screen.join("\n")))
            .clone()
    };
    assert!(line_with(lookalike).contains("LOOKALIKE"));
    assert!(
        !line_with(friend).contains("LOOKALIKE"),
        "{}",
        line_with(friend)
    );
}

/// The gas price unknown: exits keep their gross but their gas and net are unknown, never 0;
/// `exit_below_gas` and `no_gas` are not evaluated, and say why; the rest still are.
#[test]
fn an_unknown_gas_price_is_never_zero() {
    let state = state_with_gas(1_000, e18(1) / U256::from(2), U256::ZERO, None);
    let exit = state.wallets[0].exit.clone().unwrap();
    assert!(!exit.eth_out_wei.is_zero());
    assert_eq!(exit.gas_cost_wei, None);
    assert_eq!(exit.net_eth_wei(), None);
    for id in ["exit_below_gas", "no_gas"] {
        assert!(!raised(&state, id), "{id}");
        assert!(
            not_evaluated(&state, id).is_some_and(|m| m.contains("gas price is unknown")),
            "{id}"
        );
    }
    let json = popwatch::snapshot::to_json(&state, &flags::evaluate(&state, NOW, None), NOW);
    let json = serde_json::to_value(&json).unwrap();
    assert!(json["gas"].is_null());
    assert!(json["wallets"][0]["exit"]["gas_cost_wei"].is_null());
    assert!(json["wallets"][0]["exit"]["net_eth_wei"].is_null());
}

/// A pool found whose state read failed is not "no pool": not evaluated, with why.
#[test]
fn a_failed_pool_read_is_not_an_absent_pool() {
    let mut state = state_with(0, e18(5), e18(1));
    assert!(raised(&state, "no_pool"));
    state.unread_pools = vec![Address::repeat_byte(0x99)];
    assert!(!raised(&state, "no_pool"));
    assert!(not_evaluated(&state, "no_pool").is_some_and(|m| m.contains("could not be read")));
}

/// Gas prices wandering around a wallet's break-even, as they do from block to block: the
/// critical `exit_below_gas` rises only when the gas exceeds the sale, and once raised clears
/// only when the sale fetches the gas and the hysteresis margin more; `no_gas` likewise
/// against the up-front cost. Never a flip inside the margin.
#[test]
fn gas_flags_change_state_only_past_the_hysteresis_margin() {
    use popwatch::flags::HYSTERESIS;
    use proptest::prelude::*;
    use proptest::test_runner::{Config as Cases, TestRunner};
    let mut runner = TestRunner::new(Cases::with_cases(300));
    let prices = prop::collection::vec(0.90f64..1.10, 1..30);
    runner
        .run(&prices, |factors| {
            let mut state = base();
            let exit = state.wallets[0].exit.clone().unwrap();
            // The break-even gas price: the one whose gas cost equals the sale's gross.
            let gross = f64::from(exit.eth_out_wei);
            let break_even = gross / exit.gas_units as f64;
            let eth = state.wallets[0].eth_wei.unwrap();
            let mut previous = Flags::default();
            for factor in factors {
                let price = U256::from((break_even * factor) as u128);
                let gas = U256::from(exit.gas_units) * price;
                state.gas_price_wei = Some(price);
                state.wallets[0].exit.as_mut().unwrap().gas_cost_wei = Some(gas);
                let flags = flags::evaluate(&state, NOW, Some(&previous));
                let was = previous.raised.iter().any(|w| w.id == "exit_below_gas");
                let is = flags.raised.iter().any(|w| w.id == "exit_below_gas");
                let ratio = gross / f64::from(gas);
                if !was && is {
                    prop_assert!(ratio < 1.0, "raised at gross/gas {ratio}");
                }
                if was && !is {
                    prop_assert!(ratio >= 1.0 + HYSTERESIS, "cleared at gross/gas {ratio}");
                }
                if was && ratio < 1.0 + HYSTERESIS {
                    prop_assert!(is, "flipped off inside the margin at {ratio}");
                }
                let upfront = f64::from(popwatch::state::figures::upfront_gas_wei(
                    state.wallets[0].exit.as_ref().unwrap(),
                    price,
                ));
                let was_no_gas = previous.raised.iter().any(|w| w.id == "no_gas");
                let is_no_gas = flags.raised.iter().any(|w| w.id == "no_gas");
                let cover = f64::from(eth) / upfront;
                if !was_no_gas && is_no_gas {
                    prop_assert!(cover < 1.0);
                }
                if was_no_gas && !is_no_gas {
                    prop_assert!(cover >= 1.0 + HYSTERESIS);
                }
                previous = flags;
            }
            Ok(())
        })
        .unwrap();
}
