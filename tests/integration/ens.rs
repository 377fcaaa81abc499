//! ENS names, forward, against the real ENS registry and public resolver (npm build
//! artifacts) on the devnet: `wallet add NAME` and `--wallet NAME` resolve once, through the
//! configured registry; the oracle is `cast` (its own namehash, then the registry and the
//! resolver called directly).

use crate::support;

use popwatch_devnet::{Devnet, Role, Scenario};

/// The devnet's config without its wallets.
fn config_without_wallets(d: &Devnet, dir: &std::path::Path) -> std::path::PathBuf {
    let toml = d.config_toml();
    let cut = toml.find("\n[[wallets]]").unwrap_or(toml.len());
    let path = dir.join("ens.toml");
    std::fs::write(&path, &toml[..cut]).unwrap();
    path
}

/// `popwatch args --config config`, its data in `dir`.
fn run(dir: &std::path::Path, args: &[&str], config: &std::path::Path) -> std::process::Output {
    support::popwatch(dir)
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

/// `cast call <to> <signature> <node>` on the devnet: what the contract answers, as cast
/// prints it.
fn cast_call(d: &Devnet, to: &str, signature: &str, node: &str) -> String {
    support::cast(&["call", to, signature, node, "--rpc-url", &d.url])
}

/// What `cast` says the record `signature` of `name` is through `registry`: cast's own
/// namehash, then `resolver(node)`, then the record from that resolver.
fn cast_record(d: &Devnet, registry: &str, name: &str, signature: &str) -> String {
    let node = support::cast(&["namehash", name]);
    let resolver = cast_call(d, registry, "resolver(bytes32)(address)", &node);
    cast_call(d, &resolver, signature, &node)
}

/// What `cast` says `name` resolves to through `registry`.
fn cast_resolve(d: &Devnet, registry: &str, name: &str) -> String {
    cast_record(d, registry, name, "addr(bytes32)(address)")
}

/// The devnet with the real ENS registry and resolver and its names, and the registry's
/// address as `cast` takes it.
async fn ens_devnet() -> (Devnet, String) {
    let d = Devnet::start(Scenario {
        ens: true,
        ..Scenario::default()
    })
    .await
    .unwrap();
    let registry = d.contracts.ens_registry.unwrap().to_checksum(None);
    (d, registry)
}

#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn a_name_is_resolved_once_and_kept_beside_its_address() {
    let (d, registry) = ens_devnet().await;
    let dir = tempfile::TempDir::new().unwrap();
    let config = config_without_wallets(&d, dir.path());
    let whale = d.wallet(Role::Whale).address;
    assert_eq!(
        cast_resolve(&d, &registry, "whale.eth").to_lowercase(),
        whale.to_string().to_lowercase(),
        "the oracle agrees with the scenario"
    );

    // A name needing normalization (case folded) resolves to the oracle's address.
    let out = run(dir.path(), &["wallet", "add", "Whale.ETH"], &config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains(&format!("address = \"{}\"", whale.to_checksum(None)))
            && text.contains("ens = \"whale.eth\"")
            && text.contains("label = \"whale.eth\""),
        "{text}"
    );
    // Removed by its name, without a lookup.
    let out = run(dir.path(), &["wallet", "remove", "whale.eth"], &config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A name with a resolver but no address, and one not registered: exit 2, each said.
    // And a resolver that asks for an offchain lookup (CCIP-Read): said unsupported.
    for (name, says) in [
        ("empty.eth", "no address"),
        ("nobody.eth", "no resolver"),
        ("offchain.eth", "offchain lookup"),
    ] {
        let out = run(dir.path(), &["wallet", "add", name], &config);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{name}: {err}");
    }

    // --wallet NAME watches the resolved address without editing the file.
    let before = std::fs::read(&config).unwrap();
    let out = run(
        dir.path(),
        &["snapshot", "--json", "--wallet", "whale.eth"],
        &config,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["wallets"][0]["address"], whale.to_checksum(None));
    assert_eq!(json["wallets"][0]["label"], "whale.eth");
    assert_eq!(
        json["wallets"][0]["pop_raw"],
        d.wallet(Role::Whale).pop_raw.to_string()
    );
    assert_eq!(std::fs::read(&config).unwrap(), before);

    // A name that needs ENSIP-15's mapping (full-width letters, as a phone keyboard may type
    // them) is the same name: the same address as the oracle's for whale.eth.
    let out = run(
        dir.path(),
        &["snapshot", "--json", "--wallet", "ＷＨＡＬＥ.eth"],
        &config,
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["wallets"][0]["address"], whale.to_checksum(None));
}

/// Reverse names, verified forward: the whale's reverse record (whale.eth, which resolves to
/// it) is shown beside it; the empty wallet's (it claims whale.eth, which does not resolve to
/// it) is not, as wallets and explorers do. The oracle: `cast lookup-address` through the
/// devnet's registry is not available (cast reads the mainnet registry address), so the
/// records are read with `cast call` directly.
#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn reverse_names_are_shown_only_where_they_resolve_back() {
    let (d, registry) = ens_devnet().await;
    let dir = tempfile::TempDir::new().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, d.config_toml()).unwrap();
    // The oracle: the empty wallet's reverse record does claim whale.eth, which resolves to
    // the whale, not to it.
    let empty = d.wallet(Role::Empty).address;
    let claimed = cast_record(
        &d,
        &registry,
        &format!("{}.addr.reverse", alloy::primitives::hex::encode(empty)),
        "name(bytes32)(string)",
    );
    assert!(claimed.contains("whale.eth"), "{claimed}");
    assert_ne!(
        cast_resolve(&d, &registry, "whale.eth").to_lowercase(),
        empty.to_string().to_lowercase()
    );

    let out = run(dir.path(), &["snapshot", "--json"], &config);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wallet = |address: alloy::primitives::Address| {
        json["wallets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["address"] == address.to_checksum(None))
            .unwrap()
            .clone()
    };
    assert_eq!(
        wallet(d.wallet(Role::Whale).address)["ens_name"],
        "whale.eth"
    );
    assert!(
        wallet(empty)["ens_name"].is_null(),
        "the lying record is not shown"
    );
}

/// A counterparty's reverse name (the deployer, to which the whale sent POP, claims
/// treasury.eth, which resolves back to it) is looked up after the log scan and kept beside
/// its address; counterparties without a record get none.
#[tokio::test]
#[ignore = "needs anvil: run the README test command"]
async fn counterparties_are_named_where_their_reverse_record_resolves_back() {
    let (d, registry) = ens_devnet().await;
    // The oracle: the deployer's reverse record, and the name's address.
    let claimed = cast_record(
        &d,
        &registry,
        &format!(
            "{}.addr.reverse",
            alloy::primitives::hex::encode(d.deployer)
        ),
        "name(bytes32)(string)",
    );
    assert!(claimed.contains("treasury.eth"), "{claimed}");
    assert_eq!(
        cast_resolve(&d, &registry, "treasury.eth").to_lowercase(),
        d.deployer.to_string().to_lowercase()
    );

    let config = d.config().unwrap();
    let mut source = popwatch::sources::chain::ChainSource::new(&config);
    let mut state = popwatch::state::AppState::new(&config);
    for update in support::refresh_once(&mut source).await.0 {
        state.apply(update);
    }
    let whale = state
        .wallets
        .iter()
        .find(|w| w.address == d.wallet(Role::Whale).address)
        .unwrap();
    let sent_to_deployer = whale
        .history
        .as_ref()
        .unwrap()
        .transfers
        .iter()
        .any(|t| t.to == d.deployer);
    assert!(
        sent_to_deployer,
        "the devnet history has the whale pay the deployer"
    );
    assert_eq!(
        state
            .counterparty_names
            .get(&d.deployer)
            .map(String::as_str),
        Some("treasury.eth")
    );
    assert!(
        !state
            .counterparty_names
            .contains_key(&d.contracts.distributor),
        "no record, no name"
    );
}
