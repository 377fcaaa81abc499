//! End to end in a real terminal (tmux): what a person sees, the keys they press, and a
//! terminal left as it was found.

use crate::support;

use std::time::Duration;

use alloy::primitives::U256;
use popwatch_devnet::{Devnet, Role, Scenario};
use support::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(15);

/// The shell line that runs popwatch, then shows its exit code and whether the terminal is
/// back in canonical (cooked) mode.
fn command_line(args: &str, data_dir: &std::path::Path) -> String {
    format!(
        // The quotes split the markers, so the typed line never matches what it prints.
        "POPWATCH_DATA_DIR={} {} {args}; echo EX''IT=$?; stty -a | grep -o -- '-\\?icanon' | sed 's/^/MO''DE=/'",
        data_dir.display(),
        env!("CARGO_BIN_EXE_popwatch")
    )
}

/// The app in a 150×40 tmux pane on `config_toml` (a devnet's config), refreshing every
/// second, with its data in `data`.
fn open_with_config(data: &tempfile::TempDir, config_toml: &str) -> Tmux {
    let config = data.path().join("devnet.toml");
    std::fs::write(
        &config,
        config_toml.replace("refresh_secs = 5", "refresh_secs = 1"),
    )
    .unwrap();
    let tmux = Tmux::start(150, 40);
    tmux.type_line(&command_line(
        &format!("--config {}", config.display()),
        data.path(),
    ));
    tmux
}

fn assert_clean_exit(tmux: &Tmux) {
    let screen = tmux.wait_text("MODE=", WAIT);
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("MODE=icanon"),
        "raw mode was left on:\n{screen}"
    );
}

#[test]
#[ignore = "needs tmux: run the README test command"]
fn the_demo_navigates_helps_masks_and_quits_cleanly() {
    let data = tempfile::TempDir::new().unwrap();
    let tmux = Tmux::start(150, 40);
    tmux.type_line(&command_line("--demo", data.path()));
    let screen = tmux.wait_text("DEMO — simulated data", WAIT);
    assert!(
        screen.contains("Whale") && screen.contains("Cold storage"),
        "{screen}"
    );
    tmux.wait_text("coingecko ✓", WAIT);

    // Sorted by POP, largest first: j selects the second wallet; Enter opens it in full.
    let wallets = popwatch::sources::demo::config().wallets;
    let address_of = |label: &str| {
        wallets
            .iter()
            .find(|w| w.label == label)
            .unwrap()
            .address
            .to_checksum(None)
    };
    tmux.keys(&["j", "Enter"]);
    tmux.wait_text(&address_of("Cold storage"), WAIT);
    // Esc, then the next key once it has landed: an Esc and a key read together are the
    // terminal's Alt-key.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the detail to close", WAIT, |s| !s.contains("Etherscan"));
    tmux.keys(&["j", "Enter"]);
    tmux.wait_text(&address_of("No gas"), WAIT);
    tmux.keys(&["Escape"]);
    tmux.wait_for("the detail to close", WAIT, |s| !s.contains("Etherscan"));

    tmux.keys(&["?"]);
    let help = tmux.wait_text("Keys · Esc closes", WAIT);
    assert!(help.contains("refresh now") && help.contains("quit"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("help to close", WAIT, |s| !s.contains("Keys · Esc closes"));

    tmux.keys(&["p"]);
    let masked = tmux.wait_text("privacy on", WAIT);
    assert!(
        masked.contains("•••") && !masked.contains("420.0M"),
        "{masked}"
    );
    tmux.keys(&["p"]);

    for (key, title) in [
        ("2", "one column per source"),
        ("3", "its ladder and depth"),
        ("4", "with their evidence"),
        ("5", "expected (config)"),
        ("6", "beside Theta and Audius"),
        ("1", "total exit"),
    ] {
        tmux.keys(&[key]);
        tmux.wait_text(title, WAIT);
    }
    // The alerts feed: what changed since the start, unseen ones counted; A marks them seen.
    tmux.keys(&["a"]);
    tmux.wait_text("Alerts ·", WAIT);
    tmux.keys(&["A"]);
    tmux.wait_text("0 unseen", WAIT);
    tmux.keys(&["a"]);
    tmux.wait_for("the alerts to close", WAIT, |s| !s.contains("Alerts ·"));
    // The full chart, and back.
    tmux.keys(&["c"]);
    tmux.wait_text("POP price per source", WAIT);
    tmux.keys(&["c"]);
    tmux.wait_for("the chart to close", WAIT, |s| {
        !s.contains("POP price per source")
    });
    tmux.keys(&["q"]);
    assert_clean_exit(&tmux);
}

#[test]
#[ignore = "needs tmux: run the README test command"]
fn a_tiny_terminal_says_so_and_a_resize_brings_the_table_back() {
    let data = tempfile::TempDir::new().unwrap();
    let tmux = Tmux::start(50, 12);
    tmux.type_line(&command_line("--demo", data.path()));
    tmux.wait_text("needs a larger terminal", WAIT);
    tmux.resize(150, 40);
    tmux.wait_text("Cold storage", WAIT);
    tmux.keys(&["C-c"]);
    assert_clean_exit(&tmux);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn against_the_devnet_it_shows_true_balances_and_follows_a_transfer() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let data = tempfile::TempDir::new().unwrap();
    let tmux = open_with_config(&data, &d.config_toml());
    let screen = tmux.wait_text("200.0M", WAIT);
    assert!(
        screen.contains("Whale") && screen.contains("chain ✓"),
        "{screen}"
    );

    // Move 50M POP from the whale to the empty wallet on chain: the table follows.
    let unit = d.scenario.unit();
    let whale = d.wallet(Role::Whale).address;
    let empty = d.wallet(Role::Empty).address;
    d.transfer_pop(whale, empty, U256::from(50_000_000u64) * unit)
        .await
        .unwrap();
    let screen = tmux.wait_text("150.0M", WAIT);
    let empty_row = screen.lines().find(|l| l.contains("Empty")).unwrap();
    assert!(empty_row.contains("50.0M"), "{empty_row}");
    tmux.keys(&["q"]);
    assert_clean_exit(&tmux);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn keys_answer_at_once_while_the_only_endpoint_hangs() {
    use popwatch_devnet::proxy::{Behaviour, FaultProxy};
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    let data = tempfile::TempDir::new().unwrap();
    let tmux = open_with_config(
        &data,
        &d.config_toml().replace(
            &format!("rpc_urls = [\"{}\"]", d.url),
            &format!("rpc_urls = [\"{}\"]\ntimeout_secs = 10", proxy.url()),
        ),
    );
    tmux.wait_text("chain ✓", WAIT);
    // The endpoint stops answering: every chain refresh now waits out its 10 s timeout.
    proxy.set_default(Behaviour::Hang);
    std::thread::sleep(Duration::from_millis(1500));
    for (key, help_shown) in [
        ("?", true),
        ("Escape", false),
        ("?", true),
        ("Escape", false),
    ] {
        let pressed = std::time::Instant::now();
        tmux.keys(&[key]);
        tmux.wait_for(key, Duration::from_secs(2), |s| {
            s.contains("Keys · Esc closes") == help_shown
        });
        assert!(
            pressed.elapsed() < Duration::from_secs(2),
            "{key}: {:?}",
            pressed.elapsed()
        );
    }
    tmux.keys(&["q"]);
    assert_clean_exit(&tmux);
}

/// A bug that panics the app's own loop (here the debug builds' panic key): the terminal is
/// given back once, whole (cooked mode, the normal screen, mouse reporting off, the cursor
/// shown), and only then is the panic reported, on the screen the user has back, with exit
/// code 1. Before, ratatui's hook restored the screen but left mouse capture on (every mouse
/// move then typed escape sequences into the shell) and printed the panic in raw mode.
#[test]
#[ignore = "needs tmux: run the README test command"]
fn a_panic_of_the_loop_restores_the_terminal_once_then_reports_it() {
    let data = tempfile::TempDir::new().unwrap();
    let tmux = Tmux::start(120, 30);
    tmux.type_line(&format!(
        "POPWATCH_DEBUG_PANIC_KEY=P {}",
        command_line("--demo", data.path())
    ));
    tmux.wait_text("DEMO — simulated data", WAIT);
    assert_eq!(
        tmux.variable("mouse_any_flag"),
        "1",
        "mouse reporting on while it runs"
    );
    tmux.keys(&["P"]);
    let screen = tmux.wait_text("MODE=", WAIT);
    assert!(
        screen.contains("internal error: the debug panic key was pressed")
            && screen.contains("the debug panic key was pressed"),
        "the panic is reported:\n{screen}"
    );
    assert!(screen.contains("EXIT=1"), "{screen}");
    assert!(
        screen.contains("MODE=icanon"),
        "raw mode was left on:\n{screen}"
    );
    assert_eq!(
        tmux.variable("alternate_on"),
        "0",
        "back on the normal screen"
    );
    assert_eq!(tmux.variable("mouse_any_flag"), "0", "mouse reporting off");
    assert_eq!(tmux.variable("cursor_flag"), "1", "the cursor is shown");
    // Reported once, after the restore: the message is on the normal screen, not lost with
    // the alternate one, and not printed twice.
    assert_eq!(
        screen.matches("the debug panic key was pressed").count(),
        1,
        "{screen}"
    );
}

/// `kill -TERM` and `kill -HUP` (a service manager, a closed terminal) end the app as `q`
/// does: the terminal given back (cooked mode, the normal screen, mouse reporting off) and
/// exit code 0. Before, the default action killed it in raw mode on the alternate screen.
#[test]
#[ignore = "needs tmux: run the README test command"]
fn sigterm_and_sighup_restore_the_terminal_and_exit_cleanly() {
    for signal in ["TERM", "HUP"] {
        let data = tempfile::TempDir::new().unwrap();
        let tmux = Tmux::start(120, 30);
        tmux.type_line(&command_line("--demo", data.path()));
        tmux.wait_text("DEMO — simulated data", WAIT);
        assert_eq!(tmux.variable("alternate_on"), "1");
        let shell = tmux.variable("pane_pid");
        let children =
            std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
        let app = children.split_whitespace().next().unwrap().to_owned();
        let killed = std::process::Command::new("kill")
            .args([format!("-{signal}"), app])
            .status()
            .unwrap();
        assert!(killed.success());
        let screen = tmux.wait_text("MODE=", WAIT);
        assert!(screen.contains("EXIT=0"), "{signal}: {screen}");
        assert!(
            screen.contains("MODE=icanon"),
            "{signal}: raw mode left on:\n{screen}"
        );
        assert_eq!(tmux.variable("alternate_on"), "0", "{signal}");
        assert_eq!(tmux.variable("mouse_any_flag"), "0", "{signal}");
    }
}

/// The new user's path, in an 80×24 terminal with a fresh HOME and a devnet config watching
/// nothing: the welcome screen; `+` with an ENS name and a label adds the wallet, whose true
/// balance appears; `y` puts its address on the clipboard (tmux's, through OSC 52); a wallet
/// added with `popwatch wallet add` from another process appears live; a broken edit is
/// reported while the app runs on, and mending it clears the report; `d` then `y` removes a
/// wallet; `q` leaves the terminal as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn a_new_user_adds_copies_and_removes_wallets_without_leaving_the_app() {
    let d = Devnet::start(Scenario {
        ens: true,
        ..Scenario::default()
    })
    .await
    .unwrap();
    let data = tempfile::TempDir::new().unwrap();
    let home = tempfile::TempDir::new().unwrap();
    let toml = d
        .config_toml()
        .replace("refresh_secs = 5", "refresh_secs = 1");
    let config = data.path().join("devnet.toml");
    std::fs::write(&config, &toml[..toml.find("\n[[wallets]]").unwrap()]).unwrap();
    let whale = d.wallet(Role::Whale).address;
    let empty = d.wallet(Role::Empty).address;
    // The oracle: the token itself, through cast.
    let whale_pop: U256 = crate::support::cast_value(&[
        "call",
        &d.contracts.pop.to_string(),
        "balanceOf(address)(uint256)",
        &whale.to_string(),
        "-r",
        &d.url,
    ])
    .parse()
    .unwrap();
    let whale_pop = whale_pop / d.scenario.unit();

    let tmux = Tmux::start(80, 24);
    tmux.set_option("set-clipboard", "on");
    tmux.type_line(&format!(
        "HOME={} {}",
        home.path().display(),
        command_line(&format!("--config {}", config.display()), data.path())
    ));
    tmux.wait_text("Welcome to popwatch", WAIT);

    tmux.keys(&["+"]);
    tmux.wait_text("add wallet", WAIT);
    tmux.type_text("Whale.ETH");
    tmux.keys(&["Enter"]);
    tmux.wait_text("label for whale.eth", WAIT);
    tmux.type_text("Big one");
    tmux.keys(&["Enter"]);
    // The balance the chain holds, as the table formats it (the whale's is whole millions).
    let shown = format!("{:.1}M", whale_pop.to::<u64>() as f64 / 1e6);
    let screen = tmux.wait_for("the new wallet's balance", WAIT, |s| {
        s.lines()
            .any(|l| l.contains("Big one") && l.contains(&shown))
    });
    assert!(!screen.contains("Welcome"), "{screen}");
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(
        saved.contains(&format!("address = \"{}\"", whale.to_checksum(None)))
            && saved.contains("ens = \"whale.eth\""),
        "{saved}"
    );

    tmux.keys(&["y"]);
    tmux.wait_text("copied", WAIT);
    let deadline = std::time::Instant::now() + WAIT;
    while tmux.buffer().as_deref() != Some(whale.to_checksum(None).as_str()) {
        assert!(
            std::time::Instant::now() < deadline,
            "tmux's buffer holds {:?}",
            tmux.buffer()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // From another shell.
    let out = crate::support::popwatch(data.path())
        .args([
            "wallet",
            "add",
            &empty.to_checksum(None),
            "--label",
            "Second",
        ])
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_text("Second", WAIT);
    tmux.wait_text("2 wallets watched", WAIT);

    // A broken edit: reported, the wallets stay; mended: the report goes.
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{good}\nrefresh_secs = \"soon\"\n")).unwrap();
    let screen = tmux.wait_text("config ✗", WAIT);
    assert!(
        screen.contains("Big one") && screen.contains("Second"),
        "{screen}"
    );
    std::fs::write(&config, &good).unwrap();
    tmux.wait_for("the report to clear", WAIT, |s| !s.contains("config ✗"));

    // `d` on the selected wallet (the biggest, first): asked, then removed.
    tmux.keys(&["g", "d"]);
    tmux.wait_text("remove \"Big one\"", WAIT);
    tmux.keys(&["y"]);
    tmux.wait_for("the wallet to go", WAIT, |s| {
        !s.contains("Big one") && s.contains("Second")
    });
    assert!(
        !std::fs::read_to_string(&config)
            .unwrap()
            .contains("whale.eth")
    );

    tmux.keys(&["q"]);
    assert_clean_exit(&tmux);
}

/// At 80×24 on the devnet, the Warnings view and the alerts feed hold more than fits: `G`
/// reaches the last warning (the oracle: `popwatch snapshot --json` on the same chain) and the
/// oldest alert, and the position indicator says the end is shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn at_80x24_the_last_warning_and_the_oldest_alert_are_reached_by_scrolling() {
    let d = Devnet::start(Scenario::default()).await.unwrap();
    let data = tempfile::TempDir::new().unwrap();
    let config = data.path().join("oracle.toml");
    std::fs::write(&config, d.config_toml()).unwrap();
    // The oracle keeps its own history (and log index: the holders' rules need one, as the
    // app's do), apart from the app's.
    let oracle = tempfile::TempDir::new().unwrap();
    let out = crate::support::popwatch(oracle.path())
        .args(["snapshot", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let snapshot: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The view lists the raised warnings, then the rules not evaluated: its last line is the
    // last rule not evaluated, or with none, the last warning's evidence.
    let last_line = match snapshot["not_evaluated"].as_array().unwrap().last() {
        Some(rule) => format!("{}: no", rule["id"].as_str().unwrap()),
        None => {
            let warning = snapshot["warnings"].as_array().unwrap().last().unwrap();
            format!("[{}]", warning["id"].as_str().unwrap())
        }
    };

    let tmux = Tmux::start(80, 24);
    tmux.type_line(&command_line(
        &format!("--config {}", config.display()),
        data.path(),
    ));
    tmux.wait_text("200.0M", WAIT);
    // Transfers on chain, each an alert, until the feed is longer than the screen.
    let unit = d.scenario.unit();
    let whale = d.wallet(Role::Whale).address;
    let empty = d.wallet(Role::Empty).address;
    for _ in 0..24 {
        d.transfer_pop(whale, empty, unit).await.unwrap();
    }
    tmux.wait_for("the transfers to be alerted", WAIT, |s| {
        s.split("● ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n > 24)
    });

    tmux.keys(&["4"]);
    let top = tmux.wait_text("lines 1–", WAIT);
    assert!(!top.contains(&last_line), "{top}");
    tmux.keys(&["G"]);
    let bottom = tmux.wait_text(&last_line, WAIT);
    assert_at_end(&bottom);

    tmux.keys(&["a"]);
    let newest = tmux.wait_text("Alerts ·", WAIT);
    assert!(newest.contains("lines 1–"), "{newest}");
    // The first judgement of the session raised the flags the chain shows from the start,
    // among them no_gas for the wallet holding POP and no ETH: out of sight under the
    // transfers, reached by scrolling.
    assert!(!newest.contains("raised: no_gas"), "{newest}");
    tmux.keys(&["G"]);
    let oldest = tmux.wait_text("raised: no_gas", WAIT);
    assert_at_end(&oldest);

    tmux.keys(&["a", "q"]);
    assert_clean_exit(&tmux);
}

/// The position indicator says the last line is shown ("lines 12–40 of 40").
fn assert_at_end(screen: &str) {
    let indicator = screen
        .split("lines ")
        .nth(1)
        .and_then(|rest| rest.split(" ·").next())
        .unwrap_or_else(|| panic!("no position indicator:\n{screen}"));
    let (shown, total) = indicator.split_once(" of ").unwrap();
    let last = shown.split('–').nth(1).unwrap();
    assert_eq!(last, total, "not at the end:\n{screen}");
}

/// The first snapshot reads the token's whole history: in a terminal, stderr says how far it
/// has gone on one line, which is cleared when it is done; stdout holds only the JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and tmux: run the README test command"]
async fn a_first_snapshot_shows_the_history_being_read_then_clears_it() {
    use popwatch_devnet::proxy::FaultProxy;
    let d = Devnet::start(Scenario::default()).await.unwrap();
    d.mine(200).await.unwrap();
    let proxy = FaultProxy::start(&d.url).await;
    proxy.set_latency(std::time::Duration::from_millis(30));
    let data = tempfile::TempDir::new().unwrap();
    // Index ranges of 4 blocks (the window scan keeps its 2,000), through the proxy.
    let config = crate::support::proxied_devnet_config(&d, &proxy.url(), data.path(), 4);
    let out = data.path().join("snapshot.json");
    let tmux = Tmux::start(120, 20);
    tmux.type_line(&format!(
        "POPWATCH_DATA_DIR={} {} snapshot --json --config {} > {}; echo DO''NE",
        data.path().display(),
        env!("CARGO_BIN_EXE_popwatch"),
        config.display(),
        out.display()
    ));
    tmux.wait_text("reading the token's history:", WAIT);
    let done = tmux.wait_text("DONE", Duration::from_secs(60));
    assert!(
        !done.contains("reading the token's history"),
        "cleared:\n{done}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["index"]["complete"], true, "{}", json["index"]);
}
