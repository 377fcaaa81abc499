//! Starting and stopping an `anvil` process.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long anvil may take to print its listening address (it usually takes ~30 ms).
const START_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    #[error(
        "cannot start anvil ({program}): {source}; install the test tools with scripts/install-test-tools"
    )]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("anvil did not report a listening address within {0:?}")]
    NoAddress(Duration),
    #[error("anvil exited before listening: {0}")]
    Exited(String),
}

/// The folder `scripts/install-test-tools` fills, for builds from a checkout.
pub fn tools_bin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/bin")
}

/// The anvil to run: `$POPWATCH_ANVIL`, else `.tools/bin/anvil` of this checkout if present,
/// else `anvil` on PATH.
fn anvil_program() -> PathBuf {
    if let Some(p) = std::env::var_os("POPWATCH_ANVIL").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let local = tools_bin_dir().join("anvil");
    if local.exists() {
        local
    } else {
        PathBuf::from("anvil")
    }
}

/// A running anvil. Dropping it kills the process and reaps it, also when a test panics, and
/// removes the home directory it was given.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    port: u16,
    /// anvil writes the states it pushes out of memory under `$HOME/.foundry/anvil/tmp` and
    /// never removes them, not even on SIGTERM: each anvil gets a home of its own, removed
    /// with it (a full test run used to leave gigabytes there).
    _home: tempfile::TempDir,
}

impl Anvil {
    /// Starts anvil on a free port (`--port 0`) with `extra_args`, and waits until it listens.
    pub fn spawn(extra_args: &[&str]) -> Result<Self, AnvilError> {
        let program = anvil_program();
        let home = tempfile::Builder::new()
            .prefix("popwatch-anvil-")
            .tempdir()
            .map_err(|source| AnvilError::Spawn {
                program: program.display().to_string(),
                source,
            })?;
        let mut child = Command::new(&program)
            .env("HOME", home.path())
            .args(["--port", "0", "--host", "127.0.0.1"])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| AnvilError::Spawn {
                program: program.display().to_string(),
                source,
            })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");

        // anvil logs every request on stdout; the reader thread keeps draining it for the
        // process's whole life so a full pipe can never stall the node.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = parse_listening_port(&line)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(port);
                }
                tracing::trace!(target: "anvil", "{line}");
            }
        });
        let stderr_lines = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
                .join("\n")
        });

        let mut anvil = Anvil {
            child,
            port: 0,
            _home: home,
        };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(port) => {
                anvil.port = port;
                Ok(anvil)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(AnvilError::NoAddress(START_TIMEOUT)),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = anvil.child.wait();
                Err(AnvilError::Exited(
                    stderr_lines.join().unwrap_or_default().trim().to_owned(),
                ))
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_listening_port(line: &str) -> Option<u16> {
    let rest = line.trim().strip_prefix("Listening on ")?;
    rest.rsplit(':').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_listening_line() {
        assert_eq!(
            super::parse_listening_port("Listening on 127.0.0.1:41235"),
            Some(41235)
        );
        assert_eq!(super::parse_listening_port("Available Accounts"), None);
    }
}
