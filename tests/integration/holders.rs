//! Who holds the token, on the devnet, against the chain itself: holders that are contracts
//! and an EIP-7702-style delegated account (code `0xef0100 ‖ target`, set with
//! `anvil_setCode`), burns to the zero address (kept in totalSupply, the token's plain
//! transfer) and to the dead address, a `burn` that destroys supply, a user's label. The
//! breakdown adds up to `totalSupply` to the wei, every listed balance is the token's
//! `balanceOf` read through alloy's provider, the flags fire at their thresholds with
//! hysteresis, and a big holder's transfer raises `holder_moved` once.

use alloy::primitives::{Address, Bytes, U256, address};
use popwatch::abi::IERC20;
use popwatch::config::{Config, LabelConfig, RpcUrl};
use popwatch::flags::{self, RuleId};
use popwatch::sources::chain::index::ChainIndex;
use popwatch::sources::chain::index::driver::HoldersInput;
use popwatch::sources::chain::rpc::RpcClient;
use popwatch::state::holders::{DEAD, HolderKind, HoldersReading, Role, SupplyPart};
use popwatch::state::transfers::Completeness;
use popwatch::state::{AppState, Update};
use popwatch_devnet::{Devnet, Role as WalletRole, Scenario};
use std::time::Duration;
use time::OffsetDateTime;

alloy::sol! {
    interface IBurnable {
        function burn(uint256 value) external;
    }
}

const CONTRACT_HOLDER: Address = address!("00000000000000000000000000000000c0ffee00");
const DELEGATED: Address = address!("0000000000000000000000000000000000de1e6a");
const TEAM: Address = address!("0000000000000000000000000000000000007ea7");

/// The config watching the devnet, with a label for the team's address.
fn config(d: &Devnet) -> Config {
    let mut config = d.config().unwrap();
    config.labels = vec![LabelConfig {
        label: "Team".to_owned(),
        address: TEAM,
    }];
    config
}

/// The pools of every venue, as the chain source names them.
fn venues(d: &Devnet) -> Vec<(Address, String)> {
    let p = &d.pools;
    p.uniswap_v1
        .map(|a| (a, "Uniswap V1".to_owned()))
        .into_iter()
        .chain(p.uniswap_v2.map(|a| (a, "Uniswap V2".to_owned())))
        .chain(p.sushiswap.map(|a| (a, "SushiSwap".to_owned())))
        .chain(
            p.uniswap_v3
                .iter()
                .map(|(_, a)| (*a, "Uniswap V3".to_owned())),
        )
        .collect()
}

async fn rpc(d: &Devnet) -> RpcClient {
    let rpc = RpcClient::new(
        &[RpcUrl::parse(&d.url).unwrap()],
        31337,
        Duration::from_secs(5),
    );
    assert!(rpc.check_chain_ids().await.is_empty());
    rpc
}

/// The log index as the app keeps it, in the history file in `dir`, read through the devnet.
async fn index_in(d: &Devnet, config: &Config, dir: &std::path::Path) -> (ChainIndex, RpcClient) {
    let conn = popwatch::history::Store::open_in(dir)
        .unwrap()
        .into_connection();
    (ChainIndex::new(config, conn, None), rpc(d).await)
}

async fn supply(d: &Devnet) -> U256 {
    d.view(d.contracts.pop, IERC20::totalSupplyCall {})
        .await
        .unwrap()
}

/// One refresh of the index as the chain source does it: extended, judged, holders counted.
async fn counted(d: &Devnet, index: &mut ChainIndex, rpc: &RpcClient) -> HoldersReading {
    let head = alloy::providers::Provider::get_block_number(d.provider())
        .await
        .unwrap();
    let (out, _updates) = tokio::sync::mpsc::unbounded_channel();
    let venues = venues(d);
    let pools: Vec<Address> = venues.iter().map(|(a, _)| *a).collect();
    index
        .extend_recent(rpc, (head.saturating_sub(50), head), &pools, &out)
        .await
        .unwrap();
    let (summary, holders) = index
        .extend_judge_and_count_holders(
            rpc,
            head,
            HoldersInput {
                pools: &venues,
                decimals: d.scenario.token_decimals,
            },
            Some(supply(d).await),
            &out,
        )
        .await
        .unwrap();
    assert!(
        matches!(summary.completeness, Completeness::Complete { .. }),
        "{:?}",
        summary.completeness
    );
    holders.expect("totalSupply was given")
}

fn state_with(config: &Config, holders: &HoldersReading) -> AppState {
    let mut state = AppState::new(config);
    state.token.decimals = Some(18);
    state.apply(Update::Holders(Box::new(holders.clone())));
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn the_breakdown_adds_up_to_the_wei_and_every_balance_is_the_chains() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let whale = d.wallet(WalletRole::Whale).address;
    let unit = d.scenario.unit();
    // A contract holder, a delegated account, a labelled team wallet.
    d.set_code(
        CONTRACT_HOLDER,
        Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xf3]),
    )
    .await
    .unwrap();
    let mut delegation = vec![0xef, 0x01, 0x00];
    delegation.extend_from_slice(d.contracts.multicall3.as_slice());
    d.set_code(DELEGATED, Bytes::from(delegation))
        .await
        .unwrap();
    for (to, tokens) in [
        (CONTRACT_HOLDER, 5_000_000u64),
        (DELEGATED, 4_000_000),
        (TEAM, 3_000_000),
        (DEAD, 1_000_000),
        // DevToken's plain transfer to 0x0 keeps the tokens in totalSupply.
        (Address::ZERO, 700_000),
    ] {
        d.transfer_pop(whale, to, unit * U256::from(tokens))
            .await
            .unwrap();
    }
    // And `burn` destroys: totalSupply shrinks.
    d.exec(
        whale,
        d.contracts.pop,
        IBurnable::burnCall {
            value: unit * U256::from(2_000_000u64),
        },
    )
    .await
    .unwrap();

    let config = config(&d);
    let dir = tempfile::TempDir::new().unwrap();
    let (mut index, rpc) = index_in(&d, &config, dir.path()).await;
    let h = counted(&d, &mut index, &rpc).await;
    let total = supply(&d).await;

    // The breakdown: every wei of totalSupply in one line.
    assert_eq!(h.total_supply, total);
    assert_eq!(h.accounted, total, "{:#?}", h.breakdown);
    let sum = h.breakdown.iter().fold(U256::ZERO, |s, l| s + l.amount);
    assert_eq!(sum, total);
    let line = |part| h.breakdown.iter().find(|l| l.part == part).unwrap();
    let balance_of = |who: Address| {
        let d = &d;
        async move {
            d.view(d.contracts.pop, IERC20::balanceOfCall { owner: who })
                .await
                .unwrap()
        }
    };
    assert_eq!(
        line(SupplyPart::Burnt).amount,
        balance_of(DEAD).await + balance_of(Address::ZERO).await
    );
    assert!(line(SupplyPart::Burnt).addresses.contains(&DEAD));
    assert!(line(SupplyPart::Burnt).addresses.contains(&Address::ZERO));
    assert_eq!(
        h.destroyed,
        Some(unit * U256::from(2_000_000u64)),
        "minted less totalSupply"
    );
    let pools: Vec<Address> = venues(&d).iter().map(|(a, _)| *a).collect();
    let mut in_pools = U256::ZERO;
    for pool in &pools {
        in_pools += balance_of(*pool).await;
    }
    assert_eq!(line(SupplyPart::Pools).amount, in_pools);
    assert!(
        line(SupplyPart::OtherContracts)
            .addresses
            .contains(&CONTRACT_HOLDER)
    );

    // Every listed balance is the token's balanceOf; the kinds and roles follow.
    assert!(!h.top.is_empty());
    for holder in &h.top {
        let chain = balance_of(holder.address).await;
        assert_eq!(holder.chain, Some(chain), "{}", holder.address);
        assert_eq!(holder.replayed, chain, "{}", holder.address);
    }
    let of = |a: Address| h.top.iter().find(|x| x.address == a).unwrap();
    assert_eq!(of(CONTRACT_HOLDER).kind, HolderKind::Contract);
    assert_eq!(
        of(DELEGATED).kind,
        HolderKind::DelegatedAccount {
            to: d.contracts.multicall3
        }
    );
    assert!(of(TEAM).roles.contains(&Role::Labelled("Team".to_owned())));
    assert!(
        of(whale)
            .roles
            .iter()
            .any(|r| matches!(r, Role::Watched(_)))
    );
    assert!(of(DEAD).roles.contains(&Role::Dead));
    for pool in &pools {
        if let Some(p) = h.top.iter().find(|x| x.address == *pool) {
            assert!(p.roles.iter().any(|r| matches!(r, Role::Pool(_))));
            assert_eq!(p.kind, HolderKind::Contract);
        }
    }
    // Monthly activity counts every Transfer, its volume their sum.
    let transfers = popwatch::sources::chain::index::IndexStore::new(
        popwatch::history::Store::open_in(dir.path())
            .unwrap()
            .into_connection(),
    )
    .transfers(d.contracts.pop)
    .unwrap();
    assert_eq!(h.activity_missing, 0);
    assert_eq!(
        h.activity.iter().map(|m| m.transfers).sum::<u64>(),
        transfers.len() as u64
    );
    assert_eq!(
        h.activity.iter().fold(U256::ZERO, |s, m| s + m.volume),
        transfers.iter().fold(U256::ZERO, |s, t| s + t.amount)
    );
    // The holders count: every address with a balance but the burn addresses.
    let with_balance = {
        let mut n = 0;
        let replayed = popwatch::sources::chain::index::replay(&transfers);
        for (a, _) in replayed.balances.iter() {
            if *a != DEAD {
                n += 1;
            }
        }
        n
    };
    assert_eq!(h.holders, with_balance);

    // The JSON and the table say the same, and the schema takes it.
    let state = state_with(&config, &h);
    let flags = flags::evaluate(&state, OffsetDateTime::now_utc(), None);
    let json = serde_json::to_value(popwatch::snapshot::to_json(
        &state,
        &flags,
        OffsetDateTime::now_utc(),
    ))
    .unwrap();
    assert_eq!(json["holders"]["adds_up"], true);
    assert_eq!(json["holders"]["total_supply_raw"], total.to_string());
}

/// The flags at their thresholds: `concentrated_supply` raised just above its share and not
/// just below, held within the 5% margin once raised; `few_holders` likewise on the count.
/// And a big holder's transfer raises `holder_moved` once: not again at the next reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn flags_fire_at_their_thresholds_and_a_big_move_is_one_event() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let config = config(&d);
    let dir = tempfile::TempDir::new().unwrap();
    let (mut index, rpc) = index_in(&d, &config, dir.path()).await;
    let first = counted(&d, &mut index, &rpc).await;
    let share = first.top10_excluding_pools_share.unwrap() * 100.0;
    let now = OffsetDateTime::now_utc();

    let judged = |max: f64, min_holders: u64, previous: Option<&flags::Flags>| {
        let mut config = config.clone();
        config.thresholds.max_top10_share_pct = max;
        config.thresholds.min_holders = min_holders;
        let state = state_with(&config, &first);
        flags::evaluate(&state, now, previous)
    };
    let raised = |f: &flags::Flags, id: RuleId| f.raised.iter().any(|w| w.id == id);
    let count = first.above_dust as u64;
    // Just above and just below each threshold.
    let on = judged(share - 0.1, count + 1, None);
    assert!(raised(&on, RuleId::ConcentratedSupply));
    assert!(raised(&on, RuleId::FewHolders));
    let off = judged(share + 0.1, count, None);
    assert!(!raised(&off, RuleId::ConcentratedSupply));
    assert!(!raised(&off, RuleId::FewHolders));
    // Raised before: still raised within the margin, cleared past it.
    let held = judged(share * 1.03, count, Some(&on));
    assert!(raised(&held, RuleId::ConcentratedSupply));
    let cleared = judged(share * 1.06, count, Some(&on));
    assert!(!raised(&cleared, RuleId::ConcentratedSupply));
    // few_holders, raised before: held at a minimum of the count itself (within 5% above
    // it), cleared once the count is 5% above the minimum.
    assert!(raised(
        &judged(share * 2.0, count, Some(&on)),
        RuleId::FewHolders
    ));
    let lower = (count as f64 / 1.06).floor() as u64;
    assert!(!raised(
        &judged(share * 2.0, lower, Some(&on)),
        RuleId::FewHolders
    ));
    let concentrated = on
        .raised
        .iter()
        .find(|w| w.id == RuleId::ConcentratedSupply)
        .unwrap();
    assert!(
        concentrated
            .evidence
            .iter()
            .any(|e| e.source.contains("balanceOf")),
        "{concentrated:?}"
    );

    // A top holder sends 2% of the supply to a new address: one holder_moved, for it.
    let whale = d.wallet(WalletRole::Whale).address;
    let fresh = address!("0000000000000000000000000000000000f7e540");
    let before = state_with(&config, &first);
    let seen = popwatch::events::Seen::of(&before);
    d.transfer_pop(whale, fresh, first.total_supply / U256::from(50))
        .await
        .unwrap();
    let second = counted(&d, &mut index, &rpc).await;
    let after = state_with(&config, &second);
    let none = flags::Flags::default();
    let events = popwatch::events::diff_since(&seen, &after, &none, &none, now);
    let moved: Vec<_> = events
        .iter()
        .filter(|e| e.kind() == popwatch::events::EventKind::HolderMoved)
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    let json: serde_json::Value = serde_json::from_str(&moved[0].json()).unwrap();
    crate::support::schema::assert_valid(crate::support::schema::event(), &json);
    assert_eq!(json["holder"], whale.to_checksum(None));
    assert!(json["change_pct"].as_f64().unwrap() >= 2.0 - 1e-9);
    // The next reading, nothing moved: no event again.
    d.mine(1).await.unwrap();
    let third = counted(&d, &mut index, &rpc).await;
    let events = popwatch::events::diff_since(
        &popwatch::events::Seen::of(&after),
        &state_with(&config, &third),
        &none,
        &none,
        now,
    );
    assert!(
        events
            .iter()
            .all(|e| e.kind() != popwatch::events::EventKind::HolderMoved),
        "{events:?}"
    );
}

/// `popwatch holders` as a user runs it: the JSON passes the snapshot schema's `holders`
/// definition, adds up, and each balance is what `cast call balanceOf` says; `--top` limits the
/// list; the CSV has one row per holder with exact raw amounts; the table says complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn the_holders_command_prints_the_chains_balances() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let config_path = dir.path().join("devnet.toml");
    std::fs::write(&config_path, d.config_toml()).unwrap();
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("popwatch")
            .unwrap()
            .env("POPWATCH_DATA_DIR", dir.path())
            .env_remove("POPWATCH_CONFIG")
            .args(args)
            .arg("--config")
            .arg(&config_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: serde_json::Value =
        serde_json::from_str(&run(&["holders", "--json", "--top", "5"])).unwrap();
    assert_eq!(json["complete"], true);
    assert_eq!(json["adds_up"], true);
    let top = json["top"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    for holder in top {
        let address = holder["address"].as_str().unwrap();
        let oracle = crate::support::cast_value(&[
            "call",
            &d.contracts.pop.to_string(),
            "balanceOf(address)(uint256)",
            address,
            "-r",
            &d.url,
        ]);
        assert_eq!(holder["balance_raw"], oracle, "{address}");
    }
    // The shape is the snapshot schema's.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/snapshot.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut holders_schema = schema["properties"]["holders"]["oneOf"][1].clone();
    holders_schema["$defs"] = schema["$defs"].clone();
    let validator = jsonschema::validator_for(&holders_schema).unwrap();
    assert!(validator.is_valid(&json), "{json}");

    let csv = run(&["holders", "--csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("rank,address,ens_name,balance_raw,replayed_raw,chain_raw,kind,roles")
    );
    let rows: Vec<&str> = lines.collect();
    let all: serde_json::Value = serde_json::from_str(&run(&["holders", "--json"])).unwrap();
    let listed = all["top"].as_array().unwrap();
    assert_eq!(rows.len(), listed.len());
    for (row, holder) in rows.iter().zip(listed) {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields[1], holder["address"]);
        assert_eq!(fields[3], holder["balance_raw"]);
    }
    let table = run(&["holders"]);
    assert!(table.contains("complete"), "{table}");
    assert!(
        table.contains("the lines add up to it to the wei"),
        "{table}"
    );
}
