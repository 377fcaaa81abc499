//! The alert command: run with each event's JSON on stdin, never blocking the caller.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use super::Event;

/// How long an `alert_command` may run.
pub const ALERT_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `command` (through `sh -c`) with the event's JSON on stdin, in the background, killed
/// after [`ALERT_COMMAND_TIMEOUT`]. Never blocks the caller.
pub fn run_alert_command(command: &str, event: &Event) {
    if command.trim().is_empty() {
        return;
    }
    let command = command.to_owned();
    let json = event.json();
    std::thread::spawn(move || {
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            tracing::warn!("alert_command could not start");
            return;
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{json}");
        }
        let started = std::time::Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if started.elapsed() > ALERT_COMMAND_TIMEOUT => {
                    tracing::warn!("alert_command timed out: killed");
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(_) => return,
            }
        }
    });
}
