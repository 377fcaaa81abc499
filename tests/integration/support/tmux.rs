//! A real terminal for end-to-end tests: a private tmux server running a shell, driven with
//! send-keys and read with capture-pane. The server is killed on drop.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A `width`×`height` terminal running bash.
    pub fn start(width: u16, height: u16) -> Self {
        let socket = format!(
            "popwatch-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let tmux = Tmux { socket };
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "env",
            "PS1=$ ",
            "TERM=xterm-256color",
            "bash",
            "--norc",
            "--noprofile",
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (CI installs it)");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types a line into the shell.
    pub fn type_line(&self, line: &str) {
        self.run(&["send-keys", "-t", "t", "-l", line]);
        self.run(&["send-keys", "-t", "t", "Enter"]);
    }

    /// Types text as it is (no key names), without Enter.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Sends keys by tmux name (`j`, `Enter`, `Escape`, `?`).
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "t", key]);
        }
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.run(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// Copies every byte the pane's program writes to the terminal into `path`.
    pub fn record_output(&self, path: &std::path::Path) {
        let command = format!("cat >> '{}'", path.display());
        self.run(&["pipe-pane", "-o", "-t", "t", &command]);
    }

    /// The pane's title, as an OSC 0/2 sequence would set it.
    pub fn pane_title(&self) -> String {
        self.variable("pane_title")
    }

    /// One of tmux's format variables for the pane (`alternate_on`, `mouse_any_flag`,
    /// `cursor_flag`: the modes the program left the terminal in).
    pub fn variable(&self, name: &str) -> String {
        self.run(&["display-message", "-p", "-t", "t", &format!("#{{{name}}}")])
            .trim()
            .to_owned()
    }

    /// Sets a server option (`set-clipboard on`: OSC 52 from the program fills tmux's buffer).
    pub fn set_option(&self, name: &str, value: &str) {
        self.run(&["set-option", "-s", name, value]);
    }

    /// tmux's newest paste buffer (what OSC 52 copied), or `None` while there is none.
    pub fn buffer(&self) -> Option<String> {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(["show-buffer"])
            .output()
            .expect("tmux runs");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-t", "t", "-p"])
    }

    /// Waits until the screen satisfies `ready`, returning it; panics with the screen after
    /// `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(text, timeout, |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
