//! `popwatch snapshot` as a user runs it, against the devnet: true figures (secrets are
//! tested in tests/hostile.rs).

use crate::support;

use std::path::Path;

use popwatch_devnet::{Devnet, Scenario};

fn popwatch(data: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("popwatch").unwrap();
    cmd.env("POPWATCH_DATA_DIR", data)
        .env_remove("POPWATCH_CONFIG");
    cmd
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn snapshot_json_shows_true_figures_from_the_devnet() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config = dir.path().join("devnet.toml");
    std::fs::write(&config, d.config_toml()).unwrap();
    let out = popwatch(dir.path())
        .args(["snapshot", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["chain_id"], 31337);
    assert_eq!(json["token"]["name"], "POP Network Token");
    assert_eq!(
        json["token"]["total_supply_raw"],
        d.scenario.supply_raw().to_string()
    );
    assert_eq!(json["eth_usd"]["price"], 3000.0);
    assert_eq!(json["eth_usd"]["source"], "chainlink");
    let head = support::cast_value(&["block-number", "-r", &d.url]);
    assert_eq!(json["block"].to_string(), head);
    for (w, planned) in json["wallets"].as_array().unwrap().iter().zip(&d.wallets) {
        assert_eq!(w["address"], planned.address.to_checksum(None));
        assert_eq!(
            w["pop_raw"],
            planned.pop_raw.to_string(),
            "{}",
            planned.label
        );
        assert_eq!(
            w["eth_wei"],
            planned.eth_wei.to_string(),
            "{}",
            planned.label
        );
    }
    // Pools, exits and sell checks (their figures are checked against the contracts in
    // tests/exits.rs; here: the shape a script reads).
    assert_eq!(json["pools"].as_array().unwrap().len(), 5);
    for pool in json["pools"].as_array().unwrap() {
        assert!(pool["ladder"].as_array().unwrap().len() >= 4);
        assert_eq!(pool["sellable_within"].as_array().unwrap().len(), 5);
        assert!(
            pool["liquidity_usd"].as_f64().unwrap() < 50_000.0,
            "a thin pool"
        );
    }
    let whale = &json["wallets"][0];
    assert_eq!(whale["exit"]["venue"], "split");
    assert!(whale["exit"]["price_impact_pct"].as_f64().unwrap() > 10.0);
    assert_eq!(whale["sell_check"]["ok"], true);
    assert_eq!(whale["sell_check"]["outcome"], "sells");
    assert_eq!(whale["quotes"].as_array().unwrap().len(), 5);
    let dust = &json["wallets"][1];
    assert!(
        dust["exit"]["net_eth_wei"]
            .as_str()
            .unwrap()
            .starts_with('-'),
        "dust: exit below gas"
    );
    assert!(json["portfolio_exit"]["eth_out_wei"].is_string());
    let v1 = popwatch::exit::compute::leg_gas(popwatch::state::exits::Venue::UniswapV1);
    assert_eq!(json["gas"]["sell_gas_units"]["uniswap_v1"], v1.units(true));
    assert_eq!(json["gas"]["swap_gas_units"]["uniswap_v1"], v1.units(false));
    assert_eq!(json["gas"]["approve_gas_units"], v1.approve);
    let sources = json["sources"].as_array().unwrap();
    let chain = sources.iter().find(|s| s["name"] == "chain").unwrap();
    assert_eq!(chain["ok"], true);
    assert!(chain["error"].is_null());

    // The market test server's three providers, side by side, disagreeing as POP's do.
    let market = &json["market"];
    let names: Vec<&str> = market["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["coingecko", "coinpaprika", "dexscreener"]);
    for s in market["sources"].as_array().unwrap() {
        assert!(s["error"].is_null(), "{s}");
        assert!(s["price_usd"].as_f64().unwrap() > 0.0);
    }
    // CoinGecko answers 0 circulating (and so a market cap of 0) where it cannot count:
    // unknown, not zero; CoinPaprika counts the whole supply.
    assert!(market["sources"][0]["circulating_supply"].is_null());
    assert!(market["sources"][0]["market_cap_usd"].is_null());
    assert_eq!(market["sources"][1]["circulating_supply"], 1.6e9);
    let circulating = market["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["figure"] == "circulating_supply")
        .unwrap();
    assert_eq!(circulating["outliers"], serde_json::json!([]));
    assert!(
        market["peers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["symbol"] == "THETA")
    );
    assert!(
        market["venues"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["exchange"] != "binance")
    );
    // The paper value now comes from the first market source.
    assert_eq!(whale["value_source"], "coingecko");
}
