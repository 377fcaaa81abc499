//! The alert command: run once per judged refresh with that refresh's events on stdin (one
//! JSON object per line), by one worker thread, so that however many events arrive, at most one
//! command runs at a time and the caller never waits.
//!
//! Bounds, each for a reason: the queue holds [`ALERT_QUEUE`] runs (past it a run is dropped
//! and logged: a stuck command must not grow memory without end); a run is killed, its whole
//! process group, [`ALERT_COMMAND_TIMEOUT`] after it started (stdin is written by its own
//! thread, so a command that never reads it cannot stall the timeout); the command sees only an
//! allow-listed environment (no API keys, no keyed RPC URLs).

use std::io::Write;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Event;

/// How long one run of `alert_command` may take, stdin included.
pub const ALERT_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// Runs waiting for the worker before new ones are dropped.
pub const ALERT_QUEUE: usize = 16;
/// The environment an alert command gets: what a shell, a notifier (`notify-send` needs the
/// session bus and display) or a mailer needs, and nothing that could be a secret.
const ENV_ALLOWED: [&str; 14] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "TMPDIR",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_RUNTIME_DIR",
];

/// Runs `alert_command` for judged refreshes, one run at a time. Dropping it lets the worker
/// finish what is queued in the background (each run bounded by the timeout).
pub struct AlertRunner {
    to_run: mpsc::SyncSender<String>,
}

impl AlertRunner {
    /// A runner for `command` (through `sh -c`); `None` for an empty command, or when the
    /// worker thread cannot start (logged: alerts are lost, the app goes on).
    pub fn start(command: &str) -> Option<Self> {
        Self::with_timeout(command, ALERT_COMMAND_TIMEOUT)
    }

    /// [`AlertRunner::start`] with another timeout per run (tests).
    pub fn with_timeout(command: &str, timeout: Duration) -> Option<Self> {
        if command.trim().is_empty() {
            return None;
        }
        let command = command.to_owned();
        let (to_run, runs) = mpsc::sync_channel::<String>(ALERT_QUEUE);
        let worker = std::thread::Builder::new()
            .name("alert-command".into())
            .spawn(move || {
                while let Ok(input) = runs.recv() {
                    run_once(&command, input, timeout);
                }
            });
        match worker {
            Ok(_) => Some(Self { to_run }),
            Err(e) => {
                tracing::error!(error = %e, "alert_command: no thread to run it; alerts are off");
                None
            }
        }
    }

    /// Queues one run with `events` (one JSON line each); never waits. Dropped, and logged,
    /// when [`ALERT_QUEUE`] runs are already waiting.
    pub fn alert(&self, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        let input: String = events.iter().map(|e| e.json() + "\n").collect();
        if let Err(mpsc::TrySendError::Full(_)) = self.to_run.try_send(input) {
            tracing::warn!(
                events = events.len(),
                "alert_command is behind: these events were not sent to it"
            );
        }
    }
}

/// One run: `sh -c command` in its own process group with `input` on stdin; the group is
/// killed if it outlives the timeout.
fn run_once(command: &str, input: String, timeout: Duration) {
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c")
        .arg(command)
        .env_clear()
        .envs(
            ENV_ALLOWED
                .iter()
                .filter_map(|k| Some((k, std::env::var_os(k)?))),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut sh, 0);
    let mut child = match sh.spawn() {
        Ok(child) => child,
        Err(e) => {
            tracing::warn!(error = %e, "alert_command could not start");
            return;
        }
    };
    // Written beside the wait: a command that never reads stdin fills the pipe, and the
    // write blocks until the group is killed (then it fails and the thread ends).
    let writer = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        })
    });
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > timeout => {
                tracing::warn!("alert_command timed out: its process group was killed");
                kill_group(&mut child);
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break,
        }
    }
    // Children it left behind in its group go too (a `sleep &` must not outlive the run).
    kill_group(&mut child);
    if let Some(writer) = writer {
        let _ = writer.join();
    }
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    // SAFETY: kill(2) with a negative pid signals that process group; no memory is touched.
    unsafe {
        libc::kill(-(child.id() as i32), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}
