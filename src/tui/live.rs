//! The config as the app runs on it, kept live: the file is watched, a change of the watched
//! wallets reaches the screen and the chain source without a restart, an edit that does not
//! load is reported while the last good config runs on, and the app's own wallet edits (`+`,
//! `d`) are written the way `popwatch wallet add|remove` writes them.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::WalletEdit;
use crate::config::{Config, ConfigChange, ConfigWatch};
use crate::format::sanitize;

/// What a change of the file asks of the app and of the sources.
#[derive(Debug)]
pub enum Reload {
    /// The watched wallets changed: the state takes them, and the chain source is started
    /// again on `config` (the running config with the new wallets). `others_changed`: the file
    /// changed beyond its wallets too; those settings take effect at the next start.
    Wallets {
        config: Box<Config>,
        others_changed: bool,
    },
    /// Only other settings changed (they take effect at the next start), or the file loads
    /// again as it was: any problem reported before is over.
    Settings { others_changed: bool },
    /// The file does not load; the last good config runs on.
    Broken(String),
}

pub struct LiveConfig {
    watch: ConfigWatch,
    /// The config the sources run on: the one the app started with, with the wallets the
    /// file lists now.
    running: Config,
    /// What the app's wallet edits came to, for the status bar.
    done: (
        mpsc::UnboundedSender<EditOutcome>,
        mpsc::UnboundedReceiver<EditOutcome>,
    ),
}

/// What a wallet edit did, or why it was not done; for the user.
pub type EditOutcome = Result<String, String>;

impl LiveConfig {
    /// Watches `path`, which `running` was loaded from.
    pub fn new(path: PathBuf, running: Config) -> Self {
        Self {
            watch: ConfigWatch::new(path),
            running,
            done: mpsc::unbounded_channel(),
        }
    }

    /// The change since the last poll, if the file changed.
    pub fn poll(&mut self) -> Option<Reload> {
        Some(match self.watch.poll()? {
            ConfigChange::Broken(message) => {
                tracing::warn!(problem = %sanitize(&message), "the edited config does not load");
                Reload::Broken(message)
            }
            ConfigChange::Loaded(new) => {
                let others_changed = Config {
                    wallets: self.running.wallets.clone(),
                    ..(*new).clone()
                } != self.running;
                if new.wallets == self.running.wallets {
                    Reload::Settings { others_changed }
                } else {
                    self.running.wallets = new.wallets;
                    Reload::Wallets {
                        config: Box::new(self.running.clone()),
                        others_changed,
                    }
                }
            }
        })
    }

    /// Writes `edit` to the config file: at once for a removal, after resolving the name for an
    /// addition (off the loop: a lookup can take seconds). What it came to arrives at
    /// [`LiveConfig::done`]; the watch then brings the change on screen.
    pub fn edit(&self, edit: WalletEdit) {
        let path = self.watch.path().to_path_buf();
        let out = self.done.0.clone();
        let explained = |e: crate::wallets::EditError| one_line(&e.to_string());
        match edit {
            WalletEdit::Remove(address) => {
                let result = crate::wallets::remove_from_file(&path, &address.to_checksum(None))
                    .map_err(explained);
                let _ = out.send(result);
            }
            WalletEdit::Add { target, label } => {
                let config = self.running.clone();
                tokio::spawn(async move {
                    let result = async {
                        let (address, name) =
                            crate::wallets::resolve_argument(&config, &target).await?;
                        crate::wallets::add_to_file(&path, address, name, label.as_deref())
                    }
                    .await
                    .map_err(explained);
                    let _ = out.send(result);
                });
            }
        }
    }

    /// The outcome of the next wallet edit, when it is done.
    pub async fn done(&mut self) -> Option<EditOutcome> {
        self.done.1.recv().await
    }
}

/// A message of several lines (a config's problems) on the one line the status bar has.
pub fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}
