//! The binary as a user runs it: every subcommand, its output and its exit code.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// `popwatch` with a private home, so no test reads or writes the real config or data dirs.
fn popwatch(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("popwatch").unwrap();
    cmd.env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

/// `popwatch args` exits 2 (a usage or configuration error) saying `says`.
fn refused(home: &Path, args: &[&str], says: &str) {
    let out = popwatch(home).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn example() -> &'static str {
    popwatch::config::EXAMPLE
}

/// A config whose only RPC endpoint is a loopback port where nothing listens, so the chain is
/// unreadable without any network access.
fn offline_config(dir: &Path) -> std::path::PathBuf {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let path = dir.join("offline.toml");
    let wallets = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/valid/wallets.toml"),
    )
    .unwrap()
    .replace(
        r#"rpc_urls = ["https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "http://127.0.0.1:8545"]"#,
        &format!("rpc_urls = [\"http://127.0.0.1:{port}/v3/0123456789abcdef0123456789abcdef\"]\ntimeout_secs = 1"),
    );
    // Market providers at the same dead port: nothing leaves the machine.
    let wallets = format!(
        "{wallets}\n[market]\ncoingecko_url = \"http://127.0.0.1:{port}/api/v3\"\ncoinpaprika_url = \"http://127.0.0.1:{port}/v1\"\ndexscreener_url = \"http://127.0.0.1:{port}\"\n"
    );
    assert!(wallets.contains("timeout_secs = 1"));
    std::fs::write(&path, wallets).unwrap();
    path
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    for word in [
        "snapshot",
        "events",
        "history",
        "config",
        "--demo",
        "--config",
        "Exit codes",
    ] {
        assert!(text.contains(word), "--help lacks {word}: {text}");
    }
    let out = popwatch(home.path())
        .args(["config", "--help"])
        .output()
        .unwrap();
    for word in ["init", "check", "path"] {
        assert!(stdout(&out).contains(word));
    }
}

#[test]
fn version_prints_the_crate_version() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!("popwatch {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_usage_error_exits_2() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path()).arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = popwatch(home.path())
        .args(["snapshot", "--jsno"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_path_follows_flag_then_env_then_platform_dir() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path())
        .args(["config", "path"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        home.path()
            .join("config/popwatch/config.toml")
            .display()
            .to_string()
    );
    let out = popwatch(home.path())
        .env("POPWATCH_CONFIG", "/tmp/from-env.toml")
        .args(["config", "path"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), "/tmp/from-env.toml");
    let out = popwatch(home.path())
        .env("POPWATCH_CONFIG", "/tmp/from-env.toml")
        .args(["config", "path", "--config", "/tmp/flag.toml"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), "/tmp/flag.toml");
}

#[test]
fn config_init_writes_the_example_then_refuses_to_overwrite() {
    let home = TempDir::new().unwrap();
    let target = home.path().join("config/popwatch/config.toml");
    let out = popwatch(home.path())
        .args(["config", "init"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), target.display().to_string());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), example());

    // The user edits it; a second init must not destroy that.
    std::fs::write(&target, "refresh_secs = 5\n").unwrap();
    let out = popwatch(home.path())
        .args(["config", "init"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "refresh_secs = 5\n"
    );

    let out = popwatch(home.path())
        .args(["config", "init", "--force"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), example());
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn config_init_honours_an_explicit_path() {
    let home = TempDir::new().unwrap();
    let target = home.path().join("deep/new/dir/pw.toml");
    let out = popwatch(home.path())
        .args(["config", "init", "--config"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), example());
}

#[test]
fn config_check_passes_the_example_and_says_no_wallet_is_watched() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path())
        .args(["config", "check", "--config"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no wallet is watched"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn config_check_lists_the_wallets_and_hides_rpc_secrets() {
    let home = TempDir::new().unwrap();
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/valid/wallets.toml");
    let out = popwatch(home.path())
        .args(["config", "check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("2 wallet(s) watched"), "{text}");
    assert!(text.contains("Cold storage") && text.contains("Old trade"));
    assert!(
        text.contains("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),
        "shown checksummed: {text}"
    );
    assert!(!text.contains("0123456789abcdef"), "RPC key leaked: {text}");
}

#[test]
fn config_check_reports_file_line_and_key_with_exit_2() {
    let home = TempDir::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/invalid/bad_checksum.toml");
    let out = popwatch(home.path())
        .args(["config", "check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(text.contains(&format!("{}:6:", path.display())), "{text}");
    assert!(
        text.contains("wallets[0].address") && text.contains("EIP-55"),
        "{text}"
    );
}

#[test]
fn config_check_without_a_file_exits_2() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path())
        .args(["config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("config init"), "{}", stderr(&out));
    let out = popwatch(home.path())
        .args(["config", "check", "--config", "/nonexistent/pw.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_api_key_from_the_environment_is_never_printed() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path())
        .env("POPWATCH_COINGECKO_API_KEY", "CG-envsecret")
        .env("POPWATCH_DATA_DIR", home.path().join("data"))
        .env("POPWATCH_LOG", "trace")
        .args(["snapshot", "--json", "--config"])
        .arg(offline_config(home.path()))
        .output()
        .unwrap();
    assert!(!stdout(&out).contains("envsecret") && !stderr(&out).contains("envsecret"));
    let log = std::fs::read_to_string(home.path().join("data/popwatch.log")).unwrap_or_default();
    assert!(!log.contains("envsecret"));
}

#[test]
fn snapshot_json_prints_the_config_facts_and_null_figures_when_the_chain_is_unread() {
    let home = TempDir::new().unwrap();
    let path = offline_config(home.path());
    let out = popwatch(home.path())
        .env("POPWATCH_DATA_DIR", home.path().join("data"))
        .args(["snapshot", "--json", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    // No endpoint answers: the snapshot still prints what it has, and exits 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::support::schema::assert_valid(crate::support::schema::snapshot(), &json);
    assert_eq!(json["chain_id"], 1);
    assert_eq!(
        json["token"]["address"],
        "0x5D858bcd53E085920620549214a8b27CE2f04670"
    );
    assert!(json["block"].is_null() && json["token"]["total_supply_raw"].is_null());
    let wallets = json["wallets"].as_array().unwrap();
    assert_eq!(wallets.len(), 2);
    assert_eq!(wallets[0]["label"], "Cold storage");
    assert!(wallets[0]["pop_raw"].is_null() && wallets[0]["exit"].is_null());
    let chain = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "chain")
        .unwrap();
    assert_eq!(chain["ok"], false);
    let error = chain["error"].as_str().unwrap();
    // Told apart from DNS and TLS failures, with what to try.
    assert!(
        error.contains("connection refused") && error.contains("check the URL"),
        "{error}"
    );
    // The RPC key in the URL's path is redacted in the reason.
    assert!(
        !stdout(&out).contains("0123456789abcdef") && !stderr(&out).contains("0123456789abcdef")
    );
    let log = std::fs::read_to_string(home.path().join("data/popwatch.log")).unwrap();
    assert!(
        log.contains("eth_chainId failed") && !log.contains("0123456789abcdef"),
        "{log}"
    );
    // Logs went to the file, not to the terminal.
    assert!(home.path().join("data/popwatch.log").exists());
    assert!(!stderr(&out).contains("WARN"), "{}", stderr(&out));
}

#[test]
fn snapshot_table_marks_unknown_figures() {
    let home = TempDir::new().unwrap();
    let path = offline_config(home.path());
    let out = popwatch(home.path())
        .env("POPWATCH_DATA_DIR", home.path().join("data"))
        .args(["snapshot", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("Cold storage") && text.contains("unknown"),
        "{text}"
    );
}

#[test]
fn snapshot_with_a_bad_config_exits_2() {
    let home = TempDir::new().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/invalid/zero_interval.toml");
    let out = popwatch(home.path())
        .args(["snapshot", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
}

#[test]
fn history_on_an_empty_data_dir_says_so_and_the_csv_has_its_header() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path())
        .env("POPWATCH_DATA_DIR", home.path().join("data"))
        .arg("history")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("nothing recorded"),
        "{}",
        stdout(&out)
    );
    let out = popwatch(home.path())
        .env("POPWATCH_DATA_DIR", home.path().join("data"))
        .args(["history", "--csv", "--days", "3"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "time,portfolio_paper_usd,portfolio_exit_usd,price_coingecko_usd,price_coinpaprika_usd,price_dexscreener_usd,price_onchain_usd\n"
    );
}

#[test]
fn events_streams_json_lines_and_stops_cleanly_on_sigterm() {
    let home = TempDir::new().unwrap();
    let config = offline_config(home.path());
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("popwatch"))
        .args(["events", "--config"])
        .arg(&config)
        .env("POPWATCH_DATA_DIR", home.path().join("data"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    // Nothing answers: the sources' failures are the events.
    assert!(text.lines().count() >= 1, "{text}");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["ts"].is_string() && v["kind"].is_string(), "{line}");
    }
    assert!(text.contains("\"source_state\""), "{text}");
}

#[test]
fn the_terminal_app_without_a_terminal_points_to_snapshot() {
    let home = TempDir::new().unwrap();
    for args in [&[][..], &["--demo"]] {
        let out = popwatch(home.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("needs a terminal"),
            "{}",
            stderr(&out)
        );
    }
    // A bad config is reported before anything else.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/invalid/zero_interval.toml");
    let out = popwatch(home.path())
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("refresh_secs"), "{}", stderr(&out));
}

/// The files popwatch writes are its owner's only: the config (an API key or a keyed RPC URL
/// may sit in it) after `config init` and after `config init --force` over a world-readable
/// one, and the history (with its journal) and the log of a first run. Before, all were 0644.
#[test]
fn config_history_and_log_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let home = TempDir::new().unwrap();
    let target = home.path().join("config/popwatch/config.toml");
    let out = popwatch(home.path())
        .args(["config", "init"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&target), 0o600, "config init");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = popwatch(home.path())
        .args(["config", "init", "--force"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&target), 0o600, "config init --force");

    let config = offline_config(home.path());
    let data = home.path().join("data");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("popwatch"))
        .args(["events", "--config"])
        .arg(&config)
        .env("POPWATCH_DATA_DIR", &data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut child = child;
    assert!(child.wait().unwrap().success());
    let mut checked = 0;
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        let name = entry.file_name().into_string().unwrap();
        if name.starts_with("history.sqlite3") || name.starts_with("popwatch.log") {
            assert_eq!(mode(&entry.path()), 0o600, "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "the history and the log were written");
}

/// `wallet add` on a fresh HOME creates the config from the commented example (0600), appends
/// the wallet checksummed, refuses duplicates, bad checksums and ENS names with exit 2; `list`
/// shows it; `remove` by label and by address (any case) gives back the example byte for
/// byte: nothing else in the file is ever touched.
#[test]
fn wallet_add_list_remove_keep_every_other_byte() {
    use std::os::unix::fs::PermissionsExt;
    let home = TempDir::new().unwrap();
    let target = home.path().join("config/popwatch/config.toml");
    let whale = "0x6c467255bb0593d0449382eab6995b7e9664e883"; // lowercase: no checksum to check
    let checksummed = "0x6C467255bb0593d0449382eaB6995b7E9664E883";
    let out = popwatch(home.path())
        .args(["wallet", "add", whale, "--label", "Whale"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(checksummed), "{}", stdout(&out));
    let text = std::fs::read_to_string(&target).unwrap();
    let table = format!("[[wallets]]\nlabel = \"Whale\"\naddress = \"{checksummed}\"\n");
    assert!(text.contains(&table), "{text}");
    // The table goes before the example's closing comment, followed by a blank line.
    assert_eq!(
        text.replacen(&format!("{table}\n"), "", 1),
        example(),
        "outside the new table, the example byte for byte"
    );
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The same address again, in another case: refused.
    refused(
        home.path(),
        &["wallet", "add", &whale.to_uppercase().replace("0X", "0x")],
        "already watched",
    );
    // A mixed-case typo: the checksum catches it.
    let typo = "0x6C467255bb0593d0449382eaB6995b7E9664E884";
    refused(home.path(), &["wallet", "add", typo], "EIP-55");
    // A name ENSIP-15 refuses (a Cyrillic "а" among Latin letters): refused before any
    // lookup, with the reason.
    refused(home.path(), &["wallet", "add", "аpple.eth"], "ENSIP-15");
    // A second one without a label gets its short address.
    let other = "0x016908473c922b0473a743634e15a83d321c80ab";
    let out = popwatch(home.path())
        .args(["wallet", "add", other])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = popwatch(home.path())
        .args(["wallet", "list", "--json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["label"], "Whale");
    assert_eq!(list[0]["address"], checksummed);
    assert!(list[1]["label"].as_str().unwrap().starts_with("0x0169"));
    // The config still checks.
    let out = popwatch(home.path())
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Remove by label, then by address in another case.
    for which in ["Whale", &other.to_uppercase().replace("0X", "0x")] {
        let out = popwatch(home.path())
            .args(["wallet", "remove", which])
            .output()
            .unwrap();
        assert!(out.status.success(), "{which}: {}", stderr(&out));
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), example());
    refused(home.path(), &["wallet", "remove", "Whale"], "no wallet");
}

/// `--wallet` watches an address without touching any file; `--demo` with a command is a
/// usage error, not silently ignored; completions and the man page print.
#[test]
fn wallet_flag_demo_with_a_command_completions_and_man() {
    let home = TempDir::new().unwrap();
    let config = offline_config(home.path());
    let before = std::fs::read(&config).unwrap();
    let address = "0x016908473c922b0473A743634E15A83D321c80Ab";
    let out = popwatch(home.path())
        .args(["snapshot", "--json", "--wallet", address, "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let wallets = json["wallets"].as_array().unwrap();
    assert_eq!(wallets.len(), 1);
    assert_eq!(wallets[0]["address"], address);
    assert_eq!(std::fs::read(&config).unwrap(), before, "no file edited");

    refused(home.path(), &["--demo", "snapshot"], "--demo");

    let out = popwatch(home.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("popwatch") && stdout(&out).contains("complete"));
    // A reader that stops at once (`| grep -q`, `| head`): no panic, whatever the timing.
    for args in [
        &["completions", "bash"][..],
        &["completions", "zsh"],
        &["man"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_popwatch"))
            .env("HOME", home.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 1)) && !err.contains("panicked"),
            "{args:?}: {:?} {err}",
            out.status
        );
    }
    let out = popwatch(home.path()).args(["man"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).contains(".TH popwatch"),
        "{}",
        &stdout(&out)[..200.min(stdout(&out).len())]
    );
}

/// `ETH_RPC_URL` (foundry's) and `POPWATCH_RPC_URLS` replace the file's endpoints, so a keyed
/// URL never has to sit in a file; `config check` says which one won, keys redacted.
#[test]
fn rpc_urls_from_the_environment_replace_the_files() {
    let home = TempDir::new().unwrap();
    let out = popwatch(home.path())
        .args(["config", "init"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = popwatch(home.path())
        .args(["config", "check"])
        .env(
            "ETH_RPC_URL",
            "https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("1 RPC endpoint(s)") && shown.contains("$ETH_RPC_URL"),
        "{shown}"
    );
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
    let out = popwatch(home.path())
        .args(["config", "check"])
        .env("ETH_RPC_URL", "https://one.example")
        .env("POPWATCH_RPC_URLS", "https://a.example, https://b.example")
        .output()
        .unwrap();
    let shown = stdout(&out);
    assert!(
        shown.contains("2 RPC endpoint(s)") && shown.contains("$POPWATCH_RPC_URLS"),
        "{shown}"
    );
    let out = popwatch(home.path())
        .args(["config", "check"])
        .env("POPWATCH_RPC_URLS", "ftp://nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("POPWATCH_RPC_URLS"),
        "{}",
        stderr(&out)
    );
}
