//! Nothing lost: the files popwatch writes are replaced whole or not at all, whatever happens
//! to the writer (kill -9 mid-write) or the disk (full).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const OLD: &str = "# the user's own config, which must survive\nrefresh_secs = 45\n";

fn config_init(path: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_popwatch"));
    cmd.args(["config", "init", "--force", "--config"])
        .arg(path)
        .env_remove("POPWATCH_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn kill_9_during_a_thousand_config_writes_leaves_old_or_new_never_torn() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("config.toml");
    let new = popwatch::config::EXAMPLE;
    let (mut old_seen, mut new_seen) = (0, 0);
    for i in 0..1_000u64 {
        std::fs::write(&path, OLD).unwrap();
        let mut child = config_init(&path).spawn().unwrap();
        // Kill at spread-out moments: before, during and after the write.
        std::thread::sleep(Duration::from_micros((i * 7_919) % 4_000));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let content = std::fs::read_to_string(&path).unwrap();
        match content.as_str() {
            c if c == OLD => old_seen += 1,
            c if c == new => new_seen += 1,
            torn => panic!("write {i} left a torn file of {} bytes", torn.len()),
        }
    }
    // Both outcomes happened, so the kills really landed mid-way.
    assert!(
        old_seen > 0 && new_seen > 0,
        "old {old_seen}, new {new_seen}"
    );
    // Temporary files of killed writers are cleared by the next write, not piled up.
    config_init(&path).status().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "config.toml")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A tiny tmpfs, unmounted on drop (needs root, as CI and this machine have).
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(bytes: usize) -> Self {
        let dir = tempfile::TempDir::new().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (the test command runs as root in CI)"
        );
        TinyDisk { dir }
    }

    fn ballast(&self) -> std::path::PathBuf {
        self.dir.path().join("ballast")
    }

    /// Fills the disk to the last byte with a ballast file.
    fn fill(&self) {
        let mut ballast = std::fs::File::create(self.ballast()).unwrap();
        let chunk = vec![0u8; 4096];
        while std::io::Write::write_all(&mut ballast, &chunk).is_ok() {}
        let _ = std::io::Write::write_all(&mut ballast, &[0u8]);
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
#[ignore = "needs root for a tmpfs: run the README test command"]
fn a_full_disk_leaves_the_config_intact_and_says_so() {
    let disk = TinyDisk::mount(64 * 1024);
    let path = disk.dir.path().join("config.toml");
    std::fs::write(&path, OLD).unwrap();
    disk.fill();
    let out = config_init(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a runtime failure");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write") && stderr.contains("No space left"),
        "{stderr}"
    );
    assert!(stderr.contains("config.toml"), "names the file: {stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), OLD, "intact");
    let names: Vec<_> = std::fs::read_dir(disk.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs anvil and root for a tmpfs: run the README test command"]
async fn a_full_disk_stops_history_writes_not_events_and_loses_no_recorded_row() {
    use alloy::primitives::U256;
    use popwatch_devnet::{Devnet, Role, Scenario};
    use std::io::{BufRead, BufReader};

    let d = Devnet::start(Scenario::default()).await.unwrap();
    let disk = TinyDisk::mount(2 * 1024 * 1024);
    let config = crate::support::fast_devnet_config(&d, disk.dir.path());
    let events_cmd = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_popwatch"));
        cmd.args(["events", "--config"])
            .arg(&config)
            .env("POPWATCH_DATA_DIR", disk.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let mut child = events_cmd().spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The first refresh is recorded while there is room.
    rx.recv_timeout(Duration::from_secs(20))
        .expect("a first event");
    std::thread::sleep(Duration::from_secs(2));
    let recorded = history_rows(disk.dir.path(), &config);
    assert!(!recorded.is_empty(), "rows were recorded");

    // The disk fills up; then a transfer happens on chain.
    disk.fill();
    let receipt = d
        .transfer_pop(
            d.wallet(Role::Whale).address,
            d.wallet(Role::Empty).address,
            U256::from(4_242u64),
        )
        .await
        .unwrap();
    let tx_hash = receipt.transaction_hash.to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut streamed = false;
    while std::time::Instant::now() < deadline && !streamed {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
            streamed = line.contains(&tx_hash);
        }
    }
    assert!(
        streamed,
        "the transfer still streams as an event on a full disk"
    );
    std::thread::sleep(Duration::from_secs(2));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("history write failed") && stderr.contains("full"),
        "the failure is reported: {stderr}"
    );

    // Room again: the database opens as it was (not moved aside), every recorded row kept.
    std::fs::remove_file(disk.ballast()).unwrap();
    let after = history_rows(disk.dir.path(), &config);
    for row in &recorded {
        assert!(after.contains(row), "{row} was lost");
    }
    let names: Vec<String> = std::fs::read_dir(disk.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("corrupt")),
        "nothing moved aside: {names:?}"
    );
}

/// `popwatch history --csv` rows (header excluded).
fn history_rows(data: &Path, config: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_popwatch"))
        .args(["history", "--csv", "--days", "90", "--config"])
        .arg(config)
        .env("POPWATCH_DATA_DIR", data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}
