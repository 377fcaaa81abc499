//! The questions the app asks on its bottom line: `+` asks for a wallet's address or ENS name,
//! then its label; `d` asks to confirm a removal. Answering only sets what the event loop is to
//! do ([`WalletEdit`]); the loop writes the config the way `popwatch wallet add|remove` does,
//! and the config watch brings the change on screen, the same way as an edit from elsewhere.

use alloy::primitives::Address;
use crossterm::event::KeyCode;

use super::App;
use crate::config::parse_address;
use crate::format::sanitize;
use crate::sources::chain::ens;

/// The longest answer kept (an ENS name can be long; a label is at most 64 characters).
const MAX_ANSWER_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// `+`: the wallet's address or ENS name; `error` says why the last answer was refused.
    AddTarget { text: String, error: Option<String> },
    /// `+`, then: its label (empty: the ENS name, else the short address).
    AddLabel { target: String, text: String },
    /// `d`: remove this wallet from the config?
    ConfirmRemove { address: Address, label: String },
}

impl Prompt {
    /// The bottom line while the question is asked, in `width` columns: the hint goes first,
    /// then the start of a long answer (its end, where the typing is, stays in view).
    pub fn line(&self, width: usize) -> String {
        let (question, answer, hint) = match self {
            Prompt::AddTarget { text, error } => (
                "add wallet (address or ENS name) › ".to_owned(),
                Some(sanitize(text)),
                match error {
                    Some(e) => format!("  ✗ {e}"),
                    None => "  Enter next · Esc cancels".to_owned(),
                },
            ),
            Prompt::AddLabel { target, text } => (
                format!("label for {} › ", sanitize(target)),
                Some(sanitize(text)),
                format!(
                    "  Enter adds (empty: {}) · Esc cancels",
                    if ens::looks_like_name(target) {
                        "the name"
                    } else {
                        "the short address"
                    }
                ),
            ),
            Prompt::ConfirmRemove { address, label } => (
                format!(
                    "remove \"{}\" {} from the config? ",
                    sanitize(label),
                    address.to_checksum(None)
                ),
                None,
                "y removes · any other key keeps it".to_owned(),
            ),
        };
        let answer = answer.map(|a| a + "_").unwrap_or_default();
        let count = |s: &str| s.chars().count();
        let whole = format!("{question}{answer}{hint}");
        if count(&whole) <= width || answer.is_empty() {
            return whole;
        }
        let room = width.saturating_sub(count(&question) + count(&hint));
        // A refusal's reason is kept: without it the answer could not be corrected.
        let refused = matches!(self, Prompt::AddTarget { error: Some(_), .. });
        let hint = if refused || room >= count(&answer) {
            hint
        } else {
            String::new()
        };
        let room = width.saturating_sub(count(&question) + count(&hint)).max(8);
        let skip = count(&answer).saturating_sub(room);
        let tail: String = answer.chars().skip(skip).collect();
        let cut = if skip > 0 { "…" } else { "" };
        format!("{question}{cut}{tail}{hint}")
    }
}

/// A change of the watched wallets the event loop carries out in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletEdit {
    /// An address or an ENS name (resolved by the loop), and a label if one was typed.
    Add {
        target: String,
        label: Option<String>,
    },
    Remove(Address),
}

impl App {
    /// `+`: asks for the wallet to add, where the config can be edited.
    pub(super) fn start_add(&mut self) {
        match self.wallets_locked() {
            Some(why) => self.notice = Some(why),
            None => {
                self.prompt = Some(Prompt::AddTarget {
                    text: String::new(),
                    error: None,
                })
            }
        }
    }

    /// `d`: asks to confirm the removal of the selected wallet.
    pub(super) fn start_remove(&mut self) {
        if let Some(why) = self.wallets_locked() {
            self.notice = Some(why);
            return;
        }
        match self.selected_wallet() {
            Some(w) => {
                self.prompt = Some(Prompt::ConfirmRemove {
                    address: w.address,
                    label: w.label.clone(),
                })
            }
            None => self.notice = Some("no wallet selected to remove".to_owned()),
        }
    }

    /// Why the wallets cannot be edited from the app this session, if they cannot.
    fn wallets_locked(&self) -> Option<String> {
        if self.demo {
            Some(
                "the demo's wallets are simulated: run popwatch without --demo to add yours".into(),
            )
        } else if !self.wallets_editable {
            Some("this session watches the --wallet addresses; run without --wallet to edit the config's".into())
        } else {
            None
        }
    }

    /// A key typed while a question is asked; whether it was the question's.
    pub fn prompt_key(&mut self, code: KeyCode) -> bool {
        let Some(prompt) = self.prompt.take() else {
            return false;
        };
        self.prompt = match (prompt, code) {
            (_, KeyCode::Esc) => None,
            (Prompt::ConfirmRemove { address, label }, KeyCode::Char('y')) => {
                self.notice = Some(format!("removing \"{}\"…", sanitize(&label)));
                self.wallet_edit = Some(WalletEdit::Remove(address));
                None
            }
            (Prompt::ConfirmRemove { .. }, _) => {
                self.notice = Some("kept".to_owned());
                None
            }
            (Prompt::AddTarget { text, .. }, KeyCode::Enter) => match self.check_target(&text) {
                Ok(target) => Some(Prompt::AddLabel {
                    target,
                    text: String::new(),
                }),
                Err(error) => Some(Prompt::AddTarget {
                    text,
                    error: Some(error),
                }),
            },
            (Prompt::AddLabel { target, text }, KeyCode::Enter) => {
                let label = text.trim();
                self.notice = Some(format!("adding {}…", sanitize(&target)));
                self.wallet_edit = Some(WalletEdit::Add {
                    target,
                    label: (!label.is_empty()).then(|| label.to_owned()),
                });
                None
            }
            (Prompt::AddTarget { mut text, .. }, code) => {
                edit(&mut text, code);
                Some(Prompt::AddTarget { text, error: None })
            }
            (Prompt::AddLabel { target, mut text }, code) => {
                edit(&mut text, code);
                Some(Prompt::AddLabel { target, text })
            }
        };
        true
    }

    /// The typed wallet, checked as far as it can be without the chain: a valid address not
    /// yet watched, or a valid ENS name (resolved when it is added).
    fn check_target(&self, text: &str) -> Result<String, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("type an address (0x…) or an ENS name (name.eth)".to_owned());
        }
        if ens::looks_like_name(text) {
            return ens::normalize(text).map_err(|e| e.to_string());
        }
        let address = parse_address(text).map_err(|e| sanitize(&e))?;
        if let Some(w) = self.state().wallets.iter().find(|w| w.address == address) {
            return Err(format!("already watched as \"{}\"", sanitize(&w.label)));
        }
        Ok(address.to_checksum(None))
    }
}

/// A key's edit of an answer being typed.
fn edit(text: &mut String, code: KeyCode) {
    match code {
        KeyCode::Char(c) if !c.is_control() && text.chars().count() < MAX_ANSWER_CHARS => {
            text.push(c)
        }
        KeyCode::Backspace => {
            text.pop();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AppState;
    use time::OffsetDateTime;

    const WATCHED: &str = "0x1111111111111111111111111111111111111111";

    fn app() -> App {
        let mut config = crate::config::Config::default();
        config.wallets.push(crate::config::WalletConfig {
            label: "first".into(),
            address: WATCHED.parse().unwrap(),
            ens: None,
        });
        let mut app = App::new(AppState::new(&config), OffsetDateTime::UNIX_EPOCH);
        app.wallets_editable = true;
        app
    }

    fn typed(app: &mut App, text: &str) {
        for c in text.chars() {
            assert!(app.prompt_key(KeyCode::Char(c)));
        }
    }

    #[test]
    fn adding_asks_the_wallet_then_its_label_and_refuses_what_cannot_be_added() {
        let mut app = app();
        app.start_add();
        // Nothing typed, an invalid address, one already watched: refused with the reason,
        // the answer kept to be corrected.
        app.prompt_key(KeyCode::Enter);
        assert!(
            matches!(&app.prompt, Some(Prompt::AddTarget { error: Some(e), .. }) if e.contains("type an address"))
        );
        typed(&mut app, "0x12");
        app.prompt_key(KeyCode::Enter);
        assert!(
            matches!(&app.prompt, Some(Prompt::AddTarget { text, error: Some(_) }) if text == "0x12")
        );
        for _ in 0..4 {
            app.prompt_key(KeyCode::Backspace);
        }
        typed(&mut app, WATCHED);
        app.prompt_key(KeyCode::Enter);
        assert!(
            matches!(&app.prompt, Some(Prompt::AddTarget { error: Some(e), .. }) if e.contains("already watched as \"first\""))
        );
        assert_eq!(app.wallet_edit, None);

        app.prompt_key(KeyCode::Esc);
        assert_eq!(app.prompt, None);
        app.start_add();
        typed(&mut app, "Vitalik.ETH");
        app.prompt_key(KeyCode::Enter);
        typed(&mut app, "  ");
        app.prompt_key(KeyCode::Enter);
        assert_eq!(
            app.wallet_edit,
            Some(WalletEdit::Add {
                target: "vitalik.eth".into(),
                label: None
            }),
            "the name normalized, an empty label left to the default"
        );
        assert_eq!(app.prompt, None);
    }

    #[test]
    fn the_question_keeps_what_is_typed_in_view_at_80_columns() {
        let prompt = Prompt::AddTarget {
            text: WATCHED.to_owned(),
            error: None,
        };
        let line = prompt.line(80);
        assert!(line.chars().count() <= 80, "{line}");
        assert!(
            line.contains("1111_"),
            "the end of the answer is shown: {line}"
        );
        assert!(prompt.line(200).contains("Esc cancels"));
        let refused = Prompt::AddTarget {
            text: "0x12".to_owned(),
            error: Some("not an address".to_owned()),
        };
        assert!(refused.line(80).contains("0x12_  ✗ not an address"));
    }

    #[test]
    fn removing_needs_a_yes_and_nothing_is_edited_in_the_demo() {
        let mut app = app();
        app.start_remove();
        app.prompt_key(KeyCode::Char('n'));
        assert_eq!(app.wallet_edit, None);
        app.start_remove();
        app.prompt_key(KeyCode::Char('y'));
        assert_eq!(
            app.wallet_edit,
            Some(WalletEdit::Remove(WATCHED.parse().unwrap()))
        );

        let mut demo = self::app();
        demo.demo = true;
        demo.start_add();
        demo.start_remove();
        assert_eq!(demo.prompt, None);
        assert!(demo.notice.as_deref().unwrap().contains("simulated"));
    }
}
