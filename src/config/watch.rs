//! The config file, watched while the app runs: an edit (from another shell, an editor, or the
//! app's own `+` and `d`) is loaded as soon as it lands; an edit that does not load is reported
//! and the last good config keeps running.
//!
//! Watched by polling the file's modification time and size (a `stat` per poll): editors and
//! popwatch itself replace the file by renaming a new one over it, which a watch on the file's
//! inode would miss, and a poll needs no platform notification API.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::load::{ConfigError, load_file};
use super::schema::Config;

/// What the watcher last saw of the file: `None` while there is no file.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// What changed since the last poll.
#[derive(Debug)]
pub enum ConfigChange {
    /// The file loads: the config it holds now.
    Loaded(Box<Config>),
    /// The file does not load (the message names file, line and key), or is gone; the last
    /// good config is still the one running.
    Broken(String),
}

pub struct ConfigWatch {
    path: PathBuf,
    seen: Stamp,
}

impl ConfigWatch {
    /// Watches `path` from its present state (the config the app started with is read from it).
    pub fn new(path: PathBuf) -> Self {
        let seen = stamp(&path);
        Self { path, seen }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The change since the last poll, if the file changed.
    pub fn poll(&mut self) -> Option<ConfigChange> {
        let now = stamp(&self.path);
        if now == self.seen {
            return None;
        }
        self.seen = now;
        Some(match load_file(&self.path) {
            Ok(config) => ConfigChange::Loaded(Box::new(config)),
            Err(ConfigError::Missing { .. }) => ConfigChange::Broken(format!(
                "{} is gone; running on the last config it held",
                self.path.display()
            )),
            Err(e) => ConfigChange::Broken(e.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALLET: &str =
        "[[wallets]]\nlabel = \"a\"\naddress = \"0x1111111111111111111111111111111111111111\"\n";

    #[test]
    fn an_edit_is_loaded_a_broken_one_reported_and_an_unchanged_file_is_quiet() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "").unwrap();
        let mut watch = ConfigWatch::new(path.clone());
        assert!(watch.poll().is_none(), "nothing changed");

        std::fs::write(&path, WALLET).unwrap();
        match watch.poll() {
            Some(ConfigChange::Loaded(config)) => assert_eq!(config.wallets.len(), 1),
            other => panic!("expected the new wallet, got {other:?}"),
        }
        assert!(watch.poll().is_none(), "seen once");

        std::fs::write(&path, format!("{WALLET}refresh_secs = \"soon\"\n")).unwrap();
        match watch.poll() {
            Some(ConfigChange::Broken(message)) => {
                assert!(message.contains("config.toml:4"), "{message}");
                assert!(message.contains("refresh_secs"), "{message}");
            }
            other => panic!("expected the problem, got {other:?}"),
        }

        std::fs::remove_file(&path).unwrap();
        match watch.poll() {
            Some(ConfigChange::Broken(message)) => {
                assert!(message.contains("is gone"), "{message}")
            }
            other => panic!("expected the file to be missed, got {other:?}"),
        }
    }
}
