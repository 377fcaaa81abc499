//! Keys are data: one table maps keys to actions, dispatches them, and generates the help
//! overlay (and the README's keys table is checked against it), so they cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Back,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    SortNext,
    SortReverse,
    Open,
    Refresh,
    Privacy,
    NextView,
    PrevView,
    View(View),
    Suspend,
    Chart,
    Alerts,
    MarkAlertsSeen,
    Copy,
    ToggleMouse,
    Filter,
    AddWallet,
    RemoveWallet,
}

/// A key as the keymap writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

impl Key {
    fn matches(self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Key::Char(c) => !ctrl && event.code == KeyCode::Char(c),
            Key::Ctrl(c) => ctrl && event.code == KeyCode::Char(c),
            Key::Code(code) => event.code == code,
        }
    }

    /// How the help overlay and the README write the key.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Space".to_owned(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Code(KeyCode::Up) => "↑".to_owned(),
            Key::Code(KeyCode::Down) => "↓".to_owned(),
            Key::Code(KeyCode::PageUp) => "PgUp".to_owned(),
            Key::Code(KeyCode::PageDown) => "PgDn".to_owned(),
            Key::Code(KeyCode::Home) => "Home".to_owned(),
            Key::Code(KeyCode::End) => "End".to_owned(),
            Key::Code(KeyCode::Enter) => "Enter".to_owned(),
            Key::Code(KeyCode::Esc) => "Esc".to_owned(),
            Key::Code(KeyCode::Tab) => "Tab".to_owned(),
            Key::Code(KeyCode::BackTab) => "Shift-Tab".to_owned(),
            Key::Code(other) => format!("{other:?}"),
        }
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
}

/// The views, in the order of their number keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Wallets,
    Market,
    Liquidity,
    Warnings,
    Contract,
    Peers,
    Holders,
}

impl View {
    pub const ALL: [View; 7] = [
        View::Wallets,
        View::Market,
        View::Liquidity,
        View::Warnings,
        View::Contract,
        View::Peers,
        View::Holders,
    ];

    /// Its name in the header.
    pub fn title(self) -> &'static str {
        match self {
            View::Wallets => "Wallets",
            View::Market => "Market",
            View::Liquidity => "Liquidity",
            View::Warnings => "Warnings",
            View::Contract => "Contract",
            View::Peers => "Peers",
            View::Holders => "Holders",
        }
    }

    /// Its number key, 1 to 7.
    pub fn number(self) -> usize {
        Self::ALL.iter().position(|v| *v == self).unwrap_or(0) + 1
    }

    /// The next view, after the last the first.
    pub fn next(self) -> Self {
        Self::ALL[self.number() % Self::ALL.len()]
    }

    /// The previous view, before the first the last.
    pub fn previous(self) -> Self {
        Self::ALL[(self.number() + Self::ALL.len() - 2) % Self::ALL.len()]
    }
}

pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: &[Key::Char('j'), Key::Code(KeyCode::Down)],
        action: Action::Down,
        help: "next wallet; in other views, scroll down",
    },
    Binding {
        keys: &[Key::Char('k'), Key::Code(KeyCode::Up)],
        action: Action::Up,
        help: "previous wallet; in other views, scroll up",
    },
    Binding {
        keys: &[Key::Char('g'), Key::Code(KeyCode::Home)],
        action: Action::Top,
        help: "first wallet; in other views, the top",
    },
    Binding {
        keys: &[Key::Char('G'), Key::Code(KeyCode::End)],
        action: Action::Bottom,
        help: "last wallet; in other views, the end",
    },
    Binding {
        keys: &[Key::Code(KeyCode::PageDown)],
        action: Action::PageDown,
        help: "a page down",
    },
    Binding {
        keys: &[Key::Code(KeyCode::PageUp)],
        action: Action::PageUp,
        help: "a page up",
    },
    Binding {
        keys: &[Key::Char('s')],
        action: Action::SortNext,
        help: "sort by the next column",
    },
    Binding {
        keys: &[Key::Char('S')],
        action: Action::SortReverse,
        help: "reverse the sort",
    },
    Binding {
        keys: &[Key::Code(KeyCode::Enter)],
        action: Action::Open,
        help: "wallet detail",
    },
    Binding {
        keys: &[Key::Code(KeyCode::Esc)],
        action: Action::Back,
        help: "close the overlay / back",
    },
    Binding {
        keys: &[Key::Code(KeyCode::Tab)],
        action: Action::NextView,
        help: "next view",
    },
    Binding {
        keys: &[Key::Code(KeyCode::BackTab)],
        action: Action::PrevView,
        help: "previous view",
    },
    Binding {
        keys: &[Key::Char('1')],
        action: Action::View(View::Wallets),
        help: "Wallets view",
    },
    Binding {
        keys: &[Key::Char('2')],
        action: Action::View(View::Market),
        help: "Market view",
    },
    Binding {
        keys: &[Key::Char('3')],
        action: Action::View(View::Liquidity),
        help: "Liquidity view",
    },
    Binding {
        keys: &[Key::Char('4')],
        action: Action::View(View::Warnings),
        help: "Warnings view",
    },
    Binding {
        keys: &[Key::Char('5')],
        action: Action::View(View::Contract),
        help: "Contract view",
    },
    Binding {
        keys: &[Key::Char('6')],
        action: Action::View(View::Peers),
        help: "Peers view",
    },
    Binding {
        keys: &[Key::Char('7')],
        action: Action::View(View::Holders),
        help: "Holders view: who holds the token, the supply's breakdown, monthly Transfers",
    },
    Binding {
        keys: &[Key::Char('a')],
        action: Action::Alerts,
        help: "alerts: what changed, newest first",
    },
    Binding {
        keys: &[Key::Char('A')],
        action: Action::MarkAlertsSeen,
        help: "mark every alert seen",
    },
    Binding {
        keys: &[Key::Char('c')],
        action: Action::Chart,
        help: "chart: 7 days of prices, portfolio value",
    },
    Binding {
        keys: &[Key::Char('r')],
        action: Action::Refresh,
        help: "refresh now",
    },
    Binding {
        keys: &[Key::Char('p')],
        action: Action::Privacy,
        help: "hide balances and values (privacy)",
    },
    Binding {
        keys: &[Key::Char('/')],
        action: Action::Filter,
        help: "filter the wallets by label, address or name (Enter keeps, Esc clears)",
    },
    Binding {
        keys: &[Key::Char('+')],
        action: Action::AddWallet,
        help: "add a wallet (address or ENS name) to the config",
    },
    Binding {
        keys: &[Key::Char('d')],
        action: Action::RemoveWallet,
        help: "remove the selected wallet from the config (asks first)",
    },
    Binding {
        keys: &[Key::Char('y')],
        action: Action::Copy,
        help: "copy the selected wallet's address; in the detail and Liquidity, the marked one (OSC 52)",
    },
    Binding {
        keys: &[Key::Char('m')],
        action: Action::ToggleMouse,
        help: "let the terminal select text (mouse capture off/on)",
    },
    Binding {
        keys: &[Key::Char('?')],
        action: Action::Help,
        help: "this help",
    },
    Binding {
        keys: &[Key::Ctrl('z')],
        action: Action::Suspend,
        help: "suspend (fg resumes)",
    },
    Binding {
        keys: &[Key::Char('q'), Key::Ctrl('c')],
        action: Action::Quit,
        help: "quit",
    },
];

/// The action of a key press, if the keymap has one.
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    KEYMAP
        .iter()
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

/// `(keys, help)` lines for the help overlay and the README.
pub fn help_lines() -> Vec<(String, &'static str)> {
    KEYMAP
        .iter()
        .map(|b| {
            let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
            (keys.join(" / "), b.help)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_their_actions() {
        assert_eq!(action_for(&key(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(action_for(&key(KeyCode::Down)), Some(Action::Down));
        assert_eq!(action_for(&key(KeyCode::Char('G'))), Some(Action::Bottom));
        assert_eq!(
            action_for(&key(KeyCode::Char('3'))),
            Some(Action::View(View::Liquidity))
        );
        assert_eq!(
            action_for(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        // A plain `c` is not Ctrl-C.
        assert_ne!(action_for(&key(KeyCode::Char('c'))), Some(Action::Quit));
        assert_eq!(action_for(&key(KeyCode::Char('x'))), None);
    }

    #[test]
    fn no_key_is_bound_twice() {
        let mut seen = Vec::new();
        for b in KEYMAP {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} is bound twice");
                seen.push(*k);
            }
        }
    }
}
