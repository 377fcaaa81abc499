//! Hostile input end to end: a token whose name and symbol carry terminal escape sequences,
//! C1 controls, bidi overrides and zero-width characters, and market APIs whose names do too.
//! None of it may reach, unescaped, the bytes written to a real terminal (tmux), the log file,
//! `snapshot` (table and JSON) or `events`. And secrets (keys in RPC URLs' paths and queries,
//! basic-auth credentials, the CoinGecko key) appear in none of them, nor in error messages.

use crate::support;

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use popwatch::format::is_unsafe_char;
use popwatch_devnet::proxy::FaultProxy;
use popwatch_devnet::{Devnet, Scenario};
use support::tmux::Tmux;

/// An OSC that retitles the window, a screen clear, a C1 CSI, a right-to-left override, a
/// zero-width space and a BOM, Hangul fillers and a variation selector (drawn as nothing), a
/// marker to find the text by, then a line break that would start a forged log line.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}\u{200b}\u{feff}\u{3164}\u{115f}\u{fe0f}EVIL\nFORGED";
/// The same characters as UTF-8 byte strings, for searching raw terminal output.
const HOSTILE_BYTES: [&[u8]; 8] = [
    b"\x1b]0;pwned",
    b"\xc2\x9b",     // U+009B
    b"\xe2\x80\xae", // U+202E
    b"\xe2\x80\x8b", // U+200B
    b"\xef\xbb\xbf", // U+FEFF
    b"\xe3\x85\xa4", // U+3164
    b"\xe1\x85\x9f", // U+115F
    b"\xef\xb8\x8f", // U+FE0F
];

const WAIT: Duration = Duration::from_secs(30);

use support::popwatch;

/// Characters a terminal would act on, other than line breaks and tabs.
fn unsafe_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && c != '\t' && is_unsafe_char(c))
        .collect()
}

/// A devnet whose token and market names are hostile; its config expects the real name, so
/// the mismatch is also a red flag whose evidence quotes the hostile name.
async fn hostile_devnet(dir: &Path) -> (Devnet, std::path::PathBuf) {
    let scenario = Scenario {
        token_name: format!("POP{HOSTILE}"),
        token_symbol: format!("P{HOSTILE}"),
        ..Scenario::default()
    };
    let d = Devnet::start(scenario).await.unwrap();
    d.market.set_name_suffix(HOSTILE);
    let toml: String = d
        .config_toml()
        .lines()
        .map(|l| match l {
            l if l.starts_with("expected_name") => "expected_name = \"POP Network Token\"".into(),
            l if l.starts_with("expected_symbol") => "expected_symbol = \"POP\"".into(),
            l if l.starts_with("refresh_secs") => "refresh_secs = 1".into(),
            l => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config = dir.join("hostile.toml");
    std::fs::write(&config, toml).unwrap();
    (d, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil: run the README test command"]
async fn hostile_names_reach_no_output_unescaped() {
    let dir = tempfile::TempDir::new().unwrap();
    let (_d, config) = hostile_devnet(dir.path()).await;

    // snapshot --json: escaped, and still the same JSON value.
    let out = popwatch(dir.path())
        .env("POPWATCH_LOG", "trace")
        .args(["snapshot", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let json = String::from_utf8(out.stdout).unwrap();
    assert_eq!(unsafe_chars(&json), Vec::<char>::new(), "snapshot --json");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let name = value["token"]["name"].as_str().unwrap();
    assert!(name.contains("EVIL"), "{name}");
    assert_eq!(unsafe_chars(name), Vec::<char>::new(), "{name:?}");

    // snapshot as a table.
    let out = popwatch(dir.path())
        .args(["snapshot", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("EVIL"), "{table}");
    assert_eq!(unsafe_chars(&table), Vec::<char>::new(), "snapshot table");
    assert_eq!(
        unsafe_chars(&String::from_utf8_lossy(&out.stderr)),
        Vec::<char>::new()
    );

    // The log file got the token's name (traced as read), made safe: its line break starts
    // no line of its own.
    let log = std::fs::read_to_string(dir.path().join("popwatch.log")).unwrap();
    assert!(log.contains("EVIL"), "the name was logged");
    assert_eq!(unsafe_chars(&log), Vec::<char>::new(), "the log file");
    assert!(!log.lines().any(|l| l.starts_with("FORGED")), "{log}");
    assert!(!table.lines().any(|l| l.starts_with("FORGED")), "{table}");

    // events: the red flag about the name quotes it, escaped.
    let mut child = support::spawn_events(&config, dir.path());
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    std::thread::sleep(Duration::from_secs(6));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(child.wait().unwrap().success());
    let events = String::from_utf8(reader.join().unwrap()).unwrap();
    assert!(events.contains("EVIL"), "{events}");
    assert_eq!(unsafe_chars(&events), Vec::<char>::new(), "events");
    assert!(!events.lines().any(|l| l.starts_with("FORGED")), "{events}");
    for line in events.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(event["kind"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn hostile_names_never_drive_a_real_terminal() {
    let dir = tempfile::TempDir::new().unwrap();
    let (_d, config) = hostile_devnet(dir.path()).await;
    let raw = dir.path().join("terminal-bytes");
    let tmux = Tmux::start(160, 40);
    let title = tmux.pane_title();
    tmux.record_output(&raw);
    tmux.type_line(&format!(
        "POPWATCH_DATA_DIR={} {} --config {}",
        dir.path().display(),
        env!("CARGO_BIN_EXE_popwatch"),
        config.display()
    ));
    // The name shows (made safe) in the wallet detail; the market view shows the venues and
    // the warnings view the name flag, each quoting hostile text.
    tmux.wait_text("chain ✓", WAIT);
    tmux.keys(&["Enter"]);
    tmux.wait_text("EVIL", WAIT);
    for view in ["Escape", "2", "3", "4", "5", "6"] {
        tmux.keys(&[view]);
        std::thread::sleep(Duration::from_millis(400));
    }
    tmux.keys(&["q"]);
    let deadline = Instant::now() + WAIT;
    let bytes = loop {
        let bytes = std::fs::read(&raw).unwrap_or_default();
        if bytes.windows(4).any(|w| w == b"EVIL") || Instant::now() > deadline {
            break bytes;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        bytes.windows(4).filter(|w| *w == b"EVIL").count() >= 2,
        "the hostile names were drawn"
    );
    for needle in HOSTILE_BYTES {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{needle:?} reached the terminal"
        );
    }
    assert_eq!(tmux.pane_title(), title, "the window title was not changed");
    assert!(!tmux.screen().contains("pwned\u{7}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn secrets_appear_in_no_screen_log_output_or_error() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let secrets = [
        "hunter2",
        "0123456789abcdefSECRET",
        "s3cr3tq",
        "deadpathkey9876543210",
        "CG-gecko5ecretKey77",
    ];
    let working = format!(
        "http://user:hunter2@{}/v3/0123456789abcdefSECRET?apikey=s3cr3tq",
        proxy.addr
    );
    let failing = format!("http://user:hunter2@127.0.0.1:{dead}/v2/deadpathkey9876543210");
    let dir = tempfile::TempDir::new().unwrap();
    let d_dir = |name: &str| dir.path().join(name);
    let write_config = |name: &str, urls: &[&str]| {
        let list = urls
            .iter()
            .map(|u| format!("\"{u}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let toml = d
            .config_toml()
            .replace(
                &format!("rpc_urls = [\"{}\"]", d.url),
                &format!("rpc_urls = [{list}]\ntimeout_secs = 2"),
            )
            .replace(
                "[market]",
                "[market]\ncoingecko_api_key = \"CG-gecko5ecretKey77\"",
            )
            .replace("refresh_secs = 5", "refresh_secs = 1");
        assert!(toml.contains("hunter2") && toml.contains("CG-gecko5ecretKey77"));
        let path = d_dir(name);
        std::fs::write(&path, toml).unwrap();
        path
    };
    // One config that works after a failover, one where every endpoint fails (the errors
    // then name each endpoint, which must stay redacted).
    let ok = write_config("ok.toml", &[&failing, &working]);
    let broken = write_config("broken.toml", &[&failing]);
    let assert_clean = |what: &str, text: &str| {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    };
    for (config, args) in [
        (&ok, &["snapshot", "--json"][..]),
        (&ok, &["snapshot"]),
        (&ok, &["config", "check"]),
        (&broken, &["snapshot", "--json"]),
        (&broken, &["snapshot"]),
    ] {
        let out = popwatch(dir.path())
            .env("POPWATCH_LOG", "trace")
            .args(args)
            .arg("--config")
            .arg(config)
            .output()
            .unwrap();
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean(&format!("{args:?}"), &shown);
        if config == &broken {
            assert!(shown.contains("no RPC endpoint answered"), "{shown}");
        }
    }

    // events, with the failing config: the source_state event carries the error.
    let child = popwatch(dir.path())
        .args(["events", "--config"])
        .arg(&broken)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let events = String::from_utf8_lossy(&out.stdout);
    assert!(events.contains("source_state"), "{events}");
    assert_clean("events", &events);
    assert_clean("events stderr", &String::from_utf8_lossy(&out.stderr));

    // The TUI, with the failing endpoint first: its failure shows in the status bar.
    let tmux = Tmux::start(220, 40);
    let raw = dir.path().join("terminal-bytes");
    tmux.record_output(&raw);
    tmux.type_line(&format!(
        "POPWATCH_DATA_DIR={} {} --config {}",
        dir.path().display(),
        env!("CARGO_BIN_EXE_popwatch"),
        ok.display()
    ));
    let screen = tmux.wait_text("chain ✓", WAIT);
    assert_clean("the screen", &screen);
    tmux.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_clean(
        "the bytes written to the terminal",
        &String::from_utf8_lossy(&std::fs::read(&raw).unwrap()),
    );

    let log = std::fs::read_to_string(dir.path().join("popwatch.log")).unwrap();
    assert!(
        log.contains("eth_chainId failed"),
        "the failover was logged"
    );
    assert_clean("the log", &log);
    // The secrets were really used: the key went in the path and the CoinGecko header.
    assert!(
        proxy
            .paths()
            .iter()
            .any(|p| p.contains("0123456789abcdefSECRET"))
    );
    assert!(
        d.market
            .requests()
            .iter()
            .any(|r| r.2.as_deref() == Some("CG-gecko5ecretKey77"))
    );
}

/// A token answering balances whose total passes 2^256 and 200 decimals (10^200 passes 2^256):
/// no figure is computed from a wrapped number. The portfolio's exit and the balances' total
/// are unknown, amounts are read with the configured decimals, and every ladder rung is a
/// whole number of tokens at those decimals. (With wrapping arithmetic the total was 0 and
/// the ladder's "1,000 POP" a residue of 10^203 mod 2^256.)
#[test]
fn balances_past_2_256_and_absurd_decimals_never_wrap_into_a_figure() {
    use alloy::primitives::{Address, U256};
    use popwatch::exit::compute::{ExitCache, LADDER_WHOLE, compute_cached};
    use popwatch::state::figures::{checked_total, usable_decimals};
    use popwatch_devnet::reading::{ReadingBuilder, e18, pop_token_facts};

    let now = time::OffsetDateTime::now_utc();
    let half = U256::MAX / U256::from(2u8) + U256::from(1u8);
    let mut token = pop_token_facts();
    token.decimals = Some(200);
    let reading = ReadingBuilder::new(now)
        .token(token.clone())
        .v2_pool(Address::repeat_byte(0x99), e18(300_000_000), e18(1))
        .wallet(Address::repeat_byte(1), half, U256::ZERO)
        .wallet(Address::repeat_byte(2), half, U256::ZERO)
        .build();
    assert_eq!(
        checked_total(reading.balances.iter().filter_map(|b| b.pop_raw)),
        None
    );
    let decimals = usable_decimals(token.decimals, 18);
    assert_eq!(decimals, 18, "the configured decimals");
    let exits = compute_cached(&reading, decimals, &mut ExitCache::default());
    assert!(
        exits.portfolio_exit.is_none(),
        "no exit for a total past 2^256"
    );
    let unit = e18(1);
    for pool in &exits.pools {
        for whole in LADDER_WHOLE {
            assert!(
                pool.ladder
                    .iter()
                    .any(|p| p.pop_raw == U256::from(whole) * unit),
                "a {whole} POP rung"
            );
        }
    }
}
