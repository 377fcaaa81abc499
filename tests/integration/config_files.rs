//! Config files from disk: every valid fixture loads, every invalid one fails with the exact
//! line and key its header promises, and the embedded example equals the defaults.

use std::path::{Path, PathBuf};

use alloy::primitives::address;
use popwatch::config::{self, Config, ConfigError, Contracts, RpcUrl};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// The value of a `# expect-NAME: value` header line.
fn expectation(source: &str, name: &str) -> Option<String> {
    let prefix = format!("# expect-{name}:");
    source
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_owned()))
}

#[test]
fn every_valid_fixture_loads() {
    for path in fixtures("valid") {
        if let Err(e) = config::load_file(&path) {
            panic!("{} should be valid: {e}", path.display());
        }
    }
}

#[test]
fn every_invalid_fixture_names_its_line_and_key() {
    for path in fixtures("invalid") {
        let source = std::fs::read_to_string(&path).unwrap();
        let line: usize = expectation(&source, "line")
            .unwrap_or_else(|| panic!("{} lacks expect-line", path.display()))
            .parse()
            .unwrap();
        let key = expectation(&source, "key").unwrap();
        let err = config::load_file(&path).expect_err(&path.display().to_string());
        let ConfigError::Invalid {
            path: err_path,
            problems,
        } = &err
        else {
            panic!("{}: unexpected error {err:?}", path.display());
        };
        assert_eq!(err_path, &path);
        let found = problems.iter().find(|p| p.key == key).unwrap_or_else(|| {
            panic!(
                "{}: no problem with key `{key}` in {problems:#?}",
                path.display()
            )
        });
        assert_eq!(found.line, line, "{}: {found:?}", path.display());
        let shown = err.to_string();
        assert!(
            shown.contains(&format!("{}:{line}:", path.display())),
            "{}: message lacks file:line: {shown}",
            path.display()
        );
        if !key.is_empty() {
            assert!(shown.contains(&format!("`{key}`")), "{shown}");
        }
        if let Some(fragment) = expectation(&source, "message") {
            assert!(shown.contains(&fragment), "{}: {shown}", path.display());
        }
    }
}

#[test]
fn the_example_config_parses_to_the_defaults() {
    let parsed = config::parse_str(config::EXAMPLE, Path::new("config.example.toml")).unwrap();
    assert_eq!(parsed, Config::default());
    assert!(
        parsed.wallets.is_empty(),
        "the sample wallet must stay commented out"
    );
    // The file on disk is the one embedded in the binary.
    let on_disk =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"))
            .unwrap();
    assert_eq!(on_disk, config::EXAMPLE);
}

#[test]
fn the_example_mentions_every_key_of_the_schema() {
    // Every contract override must be documented (commented) in the example.
    for key in [
        "multicall3",
        "weth",
        "uniswap_v2_factory",
        "sushiswap_v2_factory",
        "uniswap_v3_factory",
        "uniswap_v3_quoter",
        "uniswap_v1_factory",
        "eth_usd_feed",
        "uniswap_v2_router",
        "sushiswap_v2_router",
        "uniswap_v3_router",
        "coingecko_id",
        "coinpaprika_id",
        "start_block",
    ] {
        assert!(config::EXAMPLE.contains(&format!("# {key} = ")), "{key}");
    }
}

#[test]
fn mainnet_defaults_are_pinned_to_product_md() {
    let c = Config::default().chain.contracts.resolve();
    assert_eq!(
        c,
        Contracts {
            multicall3: address!("cA11bde05977b3631167028862bE2a173976CA11"),
            weth: address!("C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
            uniswap_v2_factory: address!("5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"),
            sushiswap_v2_factory: address!("C0AEe478e3658e2610c5F7A4A2E1777cE9e4f2Ac"),
            uniswap_v3_factory: address!("1F98431c8aD98523631AE4a59f267346ea31F984"),
            uniswap_v3_quoter: address!("61fFE014bA17989E743c5F6cB21bF9697530B21e"),
            uniswap_v1_factory: address!("c0a47dFe034B400B47bDaD5FecDa2621de6c4d95"),
            eth_usd_feed: address!("5f4eC3Df9cbd43714FE2740f5E3616155c5b8419"),
            uniswap_v2_router: address!("7a250d5630B4cF539739dF2C5dAcb4c659F2488D"),
            sushiswap_v2_router: address!("d9e1cE17f2641f24aE83637ab66a2cca9C378B9F"),
            uniswap_v3_router: address!("E592427A0AEce92De3Edc1108DCCD2ECfa9B0e1E"),
            ens_registry: address!("00000000000C2E074eC69A0dFb2997BA6C7d2e1e"),
        }
    );
    assert_eq!(
        Config::default().token.address,
        address!("5d858bcd53e085920620549214a8b27ce2f04670")
    );
}

#[test]
fn overrides_replace_only_what_they_name() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/valid/devnet.toml");
    let c = config::load_file(&path).unwrap().chain.contracts.resolve();
    assert_eq!(c.weth, address!("e7f1725e7734ce288f8367e1bb143e90bb3f0512"));
    assert_eq!(c.uniswap_v2_factory, Contracts::MAINNET.uniswap_v2_factory);
}

#[test]
fn secrets_in_rpc_urls_never_display() {
    for (url, secret) in [
        (
            "https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
            "0123456789abcdef",
        ),
        (
            "https://eth-mainnet.g.alchemy.com/v2/AbCdEfGh12345678",
            "AbCdEfGh12345678",
        ),
        ("https://user:hunter2@rpc.example.org/", "hunter2"),
        ("https://rpc.example.org/?apikey=s3cr3tkey", "s3cr3tkey"),
        ("https://rpc.ankr.com/eth/k3y99zz", "k3y99zz"),
        // A key as a host label.
        (
            "https://a1b2c3d4e5f6a7b8c9d0.quiknode.pro/",
            "a1b2c3d4e5f6a7b8c9d0",
        ),
    ] {
        let parsed = RpcUrl::parse(url).unwrap();
        for shown in [parsed.to_string(), format!("{parsed:?}"), parsed.redacted()] {
            assert!(!shown.contains(secret), "{shown} leaks {secret}");
            assert!(shown.contains("***"), "{shown}");
        }
    }
    // Nothing to hide stays readable.
    assert_eq!(
        RpcUrl::parse("http://127.0.0.1:8545").unwrap().to_string(),
        "http://127.0.0.1:8545"
    );
    assert_eq!(
        RpcUrl::parse("https://rpc.ankr.com/eth")
            .unwrap()
            .to_string(),
        "https://rpc.ankr.com/eth"
    );
    assert_eq!(
        RpcUrl::parse("https://eth-mainnet.g.alchemy.com/v2/")
            .unwrap()
            .to_string(),
        "https://eth-mainnet.g.alchemy.com/v2/"
    );
}

/// A keyed endpoint over plain http would send its key in the clear: refused (without the
/// key in the message), except on loopback, where nothing travels.
#[test]
fn a_keyed_url_over_plain_http_is_refused_unless_loopback() {
    for url in [
        "http://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
        "http://user:hunter2@rpc.example.org/",
        "http://rpc.example.org/?apikey=s3cr3tkey",
        "http://a1b2c3d4e5f6a7b8c9d0.quiknode.pro/",
    ] {
        let err = RpcUrl::parse(url).unwrap_err();
        assert!(err.contains("https://"), "{err}");
        for secret in ["0123456789abcdef", "hunter2", "s3cr3tkey", "a1b2c3d4e5f6"] {
            assert!(!err.contains(secret), "{err}");
        }
    }
    for fine in [
        "http://127.0.0.1:8545/v3/0123456789abcdef",
        "http://localhost:8545/?apikey=x",
        "http://[::1]:8545/key123456789",
        "http://rpc.example.org/",
        "https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
    ] {
        assert!(RpcUrl::parse(fine).is_ok(), "{fine}");
    }
}

#[test]
fn the_api_key_never_displays() {
    let source = "[market]\ncoingecko_api_key = \"CG-supersecret\"\n";
    let c = config::parse_str(source, Path::new("k.toml")).unwrap();
    assert_eq!(c.market.coingecko_api_key.expose(), "CG-supersecret");
    assert!(!format!("{c:?}").contains("supersecret"));
}

#[test]
fn a_secret_in_an_invalid_rpc_url_stays_out_of_the_error() {
    let source = "[chain]\nrpc_urls = [\"wss://user:hunter2@x.org/v3/0123456789abcdef0123\"]\n";
    let err = config::parse_str(source, Path::new("k.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        !err.contains("hunter2") && !err.contains("0123456789abcdef"),
        "{err}"
    );
}
