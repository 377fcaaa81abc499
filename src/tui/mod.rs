//! The terminal app: what the user is looking at (`App`, over the monitor that holds the
//! data), key handling through the keymap, the event loop (`run`), and the widgets that draw
//! it read-only (`widgets`).

pub mod keymap;
pub mod live;
pub mod prompt;
pub mod run;
pub mod widgets;

use std::cmp::Ordering;
use std::collections::HashMap;

use alloy::primitives::Address;
use time::OffsetDateTime;

pub use keymap::{Action, KEYMAP, View, action_for, help_lines};
pub use live::LiveConfig;
pub use prompt::{Prompt, WalletEdit};
pub use run::{Host, event_loop, prepare, run};

use crate::monitor::Monitor;
use crate::state::{AppState, WalletState};

/// Columns the wallets table sorts by, in the order `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Label,
    Balance,
    PaperValue,
    Exit,
    Eth,
}

impl SortColumn {
    pub const ALL: [SortColumn; 5] = [
        SortColumn::Label,
        SortColumn::Balance,
        SortColumn::PaperValue,
        SortColumn::Exit,
        SortColumn::Eth,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortColumn::Label => "label",
            SortColumn::Balance => "POP",
            SortColumn::PaperValue => "paper value",
            SortColumn::Exit => "exit",
            SortColumn::Eth => "ETH",
        }
    }

    fn next(self) -> Self {
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// An overlay drawn over the current view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The detail of the selected wallet.
    Detail,
    /// The full chart.
    Chart,
    /// The alerts feed.
    Alerts,
}

/// How far the view (or the overlay) on screen is scrolled. The widget that draws it sets how
/// far it can go ([`Scroll::set_max`]), so keys never scroll past its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scroll {
    offset: std::cell::Cell<u16>,
    max: std::cell::Cell<u16>,
}

impl Scroll {
    pub fn offset(&self) -> u16 {
        self.offset.get()
    }

    /// The furthest the content on screen can be scrolled (set as it is drawn).
    pub fn set_max(&self, max: u16) {
        self.max.set(max);
        self.offset.set(self.offset.get().min(max));
    }

    fn by(&self, lines: isize) {
        let target =
            (i64::from(self.offset.get()) + lines as i64).clamp(0, i64::from(self.max.get()));
        self.offset.set(u16::try_from(target).unwrap_or(0));
    }

    fn to_end(&self) {
        self.offset.set(self.max.get());
    }

    fn reset(&self) {
        self.offset.set(0);
    }
}

/// What the user is looking at; never data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewState {
    pub view: View,
    pub overlay: Option<Overlay>,
    /// The scroll of the view (back to the top when the view changes).
    pub scroll: Scroll,
    /// The scroll of the overlay, apart from the view's: the view under an overlay keeps its
    /// place, and the two never clamp each other (back to the top when the overlay changes).
    pub overlay_scroll: Scroll,
    /// `/`: the wallets table shows only wallets whose label, address or ENS name contains
    /// this (any case); `filtering` while it is being typed.
    pub filter: String,
    pub filtering: bool,
    /// The selected wallet, kept by address so it survives re-sorting.
    pub selected: Option<Address>,
    /// The address `y` copies on a screen that lists several (the wallet detail: the wallet,
    /// pools, counterparties, spenders; the Liquidity view: pools), and what it is: the one
    /// the screen marks at its scroll position, set as it is drawn.
    pub copy_target: std::cell::Cell<Option<(Address, &'static str)>>,
    pub sort: SortColumn,
    pub reverse: bool,
    pub privacy: bool,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            view: View::Wallets,
            overlay: None,
            scroll: Scroll::default(),
            overlay_scroll: Scroll::default(),
            filter: String::new(),
            filtering: false,
            selected: None,
            copy_target: std::cell::Cell::new(None),
            sort: SortColumn::Balance,
            reverse: true,
            privacy: false,
        }
    }
}

/// Whether the wallets table shows `w` under the `/` filter (lowercased): its label, address
/// or ENS name contains it.
fn passes(filter: &str, w: &WalletState) -> bool {
    filter.is_empty()
        || w.label.to_lowercase().contains(filter)
        || format!("{:#x}", w.address).contains(filter)
        || w.ens_name
            .as_deref()
            .is_some_and(|n| n.to_lowercase().contains(filter))
}

/// Rows a page key moves.
const PAGE: usize = 10;

pub struct App {
    /// The data and everything after `apply` (flags, events, alerting, recording): the same
    /// monitor `popwatch events` runs.
    pub monitor: Monitor,
    pub view: ViewState,
    /// The clock the screen shows ages against (set on every tick; fixed in tests).
    pub now: OffsetDateTime,
    /// Simulated data: the screen says so.
    pub demo: bool,
    /// When the chain source will refresh next, as the event loop knows it.
    pub next_refresh: Option<OffsetDateTime>,
    pub quit: bool,
    /// Set by `r`: the event loop wakes the sources.
    pub refresh_requested: bool,
    pub suspend_requested: bool,
    /// Text to put on the clipboard (the loop sends it to the terminal as OSC 52).
    pub copy_requested: Option<String>,
    /// Whether popwatch has the mouse (the wheel scrolls) or the terminal does (its own
    /// selection works); the loop carries out a change.
    pub mouse_captured: bool,
    pub mouse_changed: bool,
    /// What the last key did, where the screen does not show it (copied, mouse released),
    /// until the next key.
    pub notice: Option<String>,
    /// The config file the app runs on (the welcome screen says where to add wallets).
    pub config_path: Option<std::path::PathBuf>,
    /// Whether `+` and `d` may edit the config's wallets (not with `--wallet`, not in the demo).
    pub wallets_editable: bool,
    /// The question on the bottom line (`+`, `d`), while it is asked.
    pub prompt: Option<Prompt>,
    /// An answered `+` or `d`: the loop edits the config.
    pub wallet_edit: Option<WalletEdit>,
    /// Why the config file, edited while the app runs, does not load (the last good one
    /// runs on), until an edit loads again.
    pub config_problem: Option<String>,
    /// Events seen this session, newest first, with whether the user has seen them.
    pub alerts: Vec<(crate::events::Event, bool)>,
    /// Each wallet's address, shortened as far as it stays unambiguous among the wallets
    /// (the wallets come from the config: computed once, not every frame).
    pub short_addresses: HashMap<Address, String>,
}

impl App {
    pub fn new(state: AppState, now: OffsetDateTime) -> Self {
        Self::with_monitor(Monitor::new(state, now), now)
    }

    /// The app over a monitor the event loop has set up (history, alert command).
    pub fn with_monitor(monitor: Monitor, now: OffsetDateTime) -> Self {
        let selected = monitor.state().wallets.first().map(|w| w.address);
        Self {
            monitor,
            view: ViewState {
                selected,
                ..ViewState::default()
            },
            now,
            demo: false,
            next_refresh: None,
            quit: false,
            refresh_requested: false,
            suspend_requested: false,
            copy_requested: None,
            mouse_captured: true,
            mouse_changed: false,
            notice: None,
            config_path: None,
            wallets_editable: false,
            prompt: None,
            wallet_edit: None,
            config_problem: None,
            alerts: Vec::new(),
            short_addresses: HashMap::new(),
        }
        .with_short_addresses()
    }

    fn with_short_addresses(mut self) -> Self {
        self.shorten_addresses();
        self
    }

    fn shorten_addresses(&mut self) {
        let addresses: Vec<Address> = self.state().wallets.iter().map(|w| w.address).collect();
        self.short_addresses = addresses
            .iter()
            .copied()
            .zip(crate::format::short_addresses(&addresses))
            .collect();
    }

    /// The config's wallets changed while the app ran: the state takes them, the short
    /// addresses are worked out again, and the selection stays where it can (else the first).
    pub fn set_wallets(&mut self, wallets: Vec<crate::config::WalletConfig>) {
        self.monitor
            .apply(crate::state::Update::WalletsConfigured(wallets));
        self.shorten_addresses();
        if self
            .view
            .selected
            .is_some_and(|a| !self.short_addresses.contains_key(&a))
        {
            self.view.selected = None;
        }
        self.keep_a_selection();
    }

    /// The wallet's short address (its full one if it is not a configured wallet).
    pub fn short_address(&self, address: Address) -> String {
        self.short_addresses
            .get(&address)
            .cloned()
            .unwrap_or_else(|| address.to_checksum(None))
    }

    /// The wallets in display order (each sort key computed once: a frame sorts thousands).
    pub fn sorted_wallets(&self) -> Vec<&WalletState> {
        let filter = self.view.filter.to_lowercase();
        let wallets = self
            .state()
            .wallets
            .iter()
            .filter(move |w| passes(&filter, w));
        // Reversed in the comparison, so equal keys stay in config order either way.
        let flip = |order: Ordering| {
            if self.view.reverse {
                order.reverse()
            } else {
                order
            }
        };
        if self.view.sort == SortColumn::Label {
            let mut keyed: Vec<(String, &WalletState)> =
                wallets.map(|w| (w.label.to_lowercase(), w)).collect();
            keyed.sort_by(|(a, _), (b, _)| flip(a.cmp(b)));
            keyed.into_iter().map(|(_, w)| w).collect()
        } else {
            let key = |w: &WalletState| -> Option<f64> {
                match self.view.sort {
                    SortColumn::Label => None,
                    SortColumn::Balance => w.pop_raw.map(f64::from),
                    SortColumn::PaperValue => self.state().paper_value(w).map(|(v, _)| v),
                    SortColumn::Exit => w
                        .exit
                        .as_ref()
                        .and_then(|e| e.net_eth_wei())
                        .and_then(|net| net.to_string().parse::<f64>().ok()),
                    SortColumn::Eth => w.eth_wei.map(f64::from),
                }
            };
            let mut keyed: Vec<(Option<f64>, &WalletState)> =
                wallets.map(|w| (key(w), w)).collect();
            // Unknown figures sort below known ones.
            keyed.sort_by(|(a, _), (b, _)| {
                flip(match (a, b) {
                    (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
                    (Some(_), None) => Ordering::Greater,
                    (None, Some(_)) => Ordering::Less,
                    (None, None) => Ordering::Equal,
                })
            });
            keyed.into_iter().map(|(_, w)| w).collect()
        }
    }

    /// How many wallets the table shows (the filter's), without sorting them.
    pub fn shown_wallets(&self) -> usize {
        let filter = self.view.filter.to_lowercase();
        self.state()
            .wallets
            .iter()
            .filter(|w| passes(&filter, w))
            .count()
    }

    pub fn selected_index(&self) -> Option<usize> {
        let selected = self.view.selected?;
        self.sorted_wallets()
            .iter()
            .position(|w| w.address == selected)
    }

    pub fn selected_wallet(&self) -> Option<&WalletState> {
        let selected = self.view.selected?;
        self.state().wallets.iter().find(|w| w.address == selected)
    }

    fn select_index(&mut self, index: usize) {
        let address = self.sorted_wallets().get(index).map(|w| w.address);
        if address.is_some() {
            self.view.selected = address;
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let n = self.state().wallets.len();
        if n == 0 {
            return;
        }
        let current = self.selected_index().unwrap_or(0) as isize;
        let target = (current + delta).clamp(0, n as isize - 1) as usize;
        self.select_index(target);
    }

    /// Applies one action. Pure: the event loop carries out the side effects it flags.
    pub fn handle(&mut self, action: Action) {
        // The help overlay takes any key but its own away.
        if self.view.overlay == Some(Overlay::Help)
            && !matches!(
                action,
                Action::Help
                    | Action::Quit
                    | Action::Down
                    | Action::Up
                    | Action::PageDown
                    | Action::PageUp
                    | Action::Top
                    | Action::Bottom
            )
        {
            self.view.overlay = None;
            if action == Action::Back {
                return;
            }
        }
        // Moving keys scroll whatever is on screen, except the wallets table, where they move
        // the selection.
        let scrolls = self.view.overlay.is_some() || self.view.view != View::Wallets;
        let (overlay, view) = (self.view.overlay, self.view.view);
        let scroll = if overlay.is_some() {
            &self.view.overlay_scroll
        } else {
            &self.view.scroll
        };
        match action {
            Action::Down if scrolls => scroll.by(1),
            Action::Up if scrolls => scroll.by(-1),
            Action::PageDown if scrolls => scroll.by(PAGE as isize),
            Action::PageUp if scrolls => scroll.by(-(PAGE as isize)),
            Action::Top if scrolls => scroll.reset(),
            Action::Bottom if scrolls => scroll.to_end(),
            _ => self.act(action),
        }
        if self.view.overlay != overlay {
            self.view.overlay_scroll.reset();
            self.view.copy_target.set(None);
        }
        if self.view.view != view {
            self.view.scroll.reset();
            self.view.copy_target.set(None);
        }
    }

    /// A key typed while the filter is being written: a character adds to it, Backspace takes
    /// one away, Enter keeps it, Esc clears it. Whether the key was the filter's.
    pub fn filter_key(&mut self, code: crossterm::event::KeyCode) -> bool {
        use crossterm::event::KeyCode;
        if !self.view.filtering {
            return false;
        }
        match code {
            KeyCode::Char(c) if !c.is_control() && self.view.filter.chars().count() < 64 => {
                self.view.filter.push(c)
            }
            KeyCode::Backspace => {
                self.view.filter.pop();
            }
            KeyCode::Enter => self.view.filtering = false,
            KeyCode::Esc => {
                self.view.filter.clear();
                self.view.filtering = false;
            }
            _ => {}
        }
        // The selection stays on a wallet the filter shows.
        let shown: Vec<Address> = self.sorted_wallets().iter().map(|w| w.address).collect();
        if self.view.selected.is_some_and(|a| !shown.contains(&a)) {
            self.view.selected = shown.first().copied();
        }
        true
    }

    /// [`App::handle`] for everything but scrolling.
    fn act(&mut self, action: Action) {
        self.notice = None;
        match action {
            Action::AddWallet => self.start_add(),
            Action::RemoveWallet => self.start_remove(),
            Action::Filter => {
                self.view.view = View::Wallets;
                self.view.overlay = None;
                self.view.filtering = true;
            }
            Action::Copy => {
                // The address the screen marks, where it lists several; else the wallet.
                let lists = self.view.overlay == Some(Overlay::Detail)
                    || (self.view.overlay.is_none() && self.view.view == View::Liquidity);
                let address = self.view.copy_target.get().filter(|_| lists).or_else(|| {
                    self.view
                        .selected
                        .or_else(|| self.sorted_wallets().first().map(|w| w.address))
                        .map(|a| (a, "wallet"))
                });
                match address {
                    Some((a, what)) => {
                        let text = a.to_checksum(None);
                        self.notice = Some(format!("copied {what} {text} (OSC 52)"));
                        self.copy_requested = Some(text);
                    }
                    None => self.notice = Some("no address to copy".to_owned()),
                }
            }
            Action::ToggleMouse => {
                self.mouse_captured = !self.mouse_captured;
                self.mouse_changed = true;
                self.notice = Some(if self.mouse_captured {
                    "mouse: popwatch's (the wheel scrolls); m gives it back".to_owned()
                } else {
                    "mouse: the terminal's (select text with it); m takes it again".to_owned()
                });
            }
            Action::Quit => self.quit = true,
            Action::Help => {
                self.view.overlay = match self.view.overlay {
                    Some(Overlay::Help) => None,
                    _ => Some(Overlay::Help),
                }
            }
            Action::Back => self.view.overlay = None,
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => self.move_selection(PAGE as isize),
            Action::PageUp => self.move_selection(-(PAGE as isize)),
            Action::Top => self.select_index(0),
            Action::Bottom => {
                let last = self.state().wallets.len().saturating_sub(1);
                self.select_index(last);
            }
            Action::SortNext => self.view.sort = self.view.sort.next(),
            Action::SortReverse => self.view.reverse = !self.view.reverse,
            Action::Open => {
                if self.view.selected.is_some() {
                    self.view.overlay = Some(Overlay::Detail);
                }
            }
            Action::Refresh => self.refresh_requested = true,
            Action::Privacy => self.view.privacy = !self.view.privacy,
            Action::NextView => self.view.view = self.view.view.next(),
            Action::PrevView => self.view.view = self.view.view.previous(),
            Action::View(view) => {
                self.view.view = view;
                self.view.overlay = None;
            }
            Action::Suspend => self.suspend_requested = true,
            Action::Alerts => {
                self.view.overlay = match self.view.overlay {
                    Some(Overlay::Alerts) => None,
                    _ => Some(Overlay::Alerts),
                };
                if self.view.overlay.is_none() {
                    // Closing the feed marks what was shown as seen.
                    self.alerts.iter_mut().for_each(|a| a.1 = true);
                }
            }
            Action::MarkAlertsSeen => self.alerts.iter_mut().for_each(|a| a.1 = true),
            Action::Chart => {
                self.view.overlay = match self.view.overlay {
                    Some(Overlay::Chart) => None,
                    _ => Some(Overlay::Chart),
                }
            }
        }
    }

    /// Unseen alerts.
    pub fn unseen_alerts(&self) -> usize {
        self.alerts.iter().filter(|a| !a.1).count()
    }

    /// Adds new events to the feed, newest first (at most 500 kept).
    pub fn push_alerts(&mut self, events: Vec<crate::events::Event>) {
        for e in events {
            self.alerts.insert(0, (e, false));
        }
        self.alerts.truncate(500);
    }

    /// The data the screen shows.
    pub fn state(&self) -> &AppState {
        self.monitor.state()
    }

    /// The red flags of the monitor's last judgement; widgets only read them.
    pub fn flags(&self) -> &crate::flags::Flags {
        self.monitor.flags()
    }

    /// Judges the red flags at `now`, as the event loop does after each refresh, without
    /// delivering the events (the loop delivers them; this is for a screen built by hand).
    pub fn evaluate_flags(&mut self, now: OffsetDateTime) {
        let _ = self.monitor.judge(now);
    }

    /// Applies a data update; keeps a selection when wallets exist.
    pub fn apply(&mut self, update: crate::state::Update) {
        self.monitor.apply(update);
        self.keep_a_selection();
    }

    /// After wallets appear, the first is selected.
    pub fn keep_a_selection(&mut self) {
        if self.view.selected.is_none() {
            self.view.selected = self.state().wallets.first().map(|w| w.address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, WalletConfig};
    use alloy::primitives::U256;

    fn app_with(balances: &[(&str, u64)]) -> App {
        let mut config = Config::default();
        for (i, (label, _)) in balances.iter().enumerate() {
            config.wallets.push(WalletConfig {
                label: (*label).to_owned(),
                address: Address::repeat_byte(i as u8 + 1),
                ens: None,
            });
        }
        let mut state = AppState::new(&config);
        for (w, (_, pop)) in state.wallets.iter_mut().zip(balances) {
            w.pop_raw = Some(U256::from(*pop));
        }
        App::new(state, OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn selection_moves_clamps_and_follows_the_sort() {
        let mut app = app_with(&[("a", 5), ("b", 50), ("c", 1)]);
        // Sorted by balance, largest first: b, a, c.
        app.handle(Action::Top);
        assert_eq!(app.selected_wallet().unwrap().label, "b");
        app.handle(Action::Down);
        app.handle(Action::Down);
        app.handle(Action::Down);
        assert_eq!(app.selected_wallet().unwrap().label, "c");
        app.handle(Action::Up);
        assert_eq!(app.selected_wallet().unwrap().label, "a");
        // Reversing the sort keeps the same wallet selected.
        app.handle(Action::SortReverse);
        assert_eq!(app.selected_wallet().unwrap().label, "a");
        assert_eq!(app.selected_index(), Some(1));
        app.handle(Action::Bottom);
        assert_eq!(app.selected_wallet().unwrap().label, "b");
        app.handle(Action::PageUp);
        assert_eq!(app.selected_wallet().unwrap().label, "c");
    }

    #[test]
    fn sort_cycles_columns_and_label_sorts_alphabetically() {
        let mut app = app_with(&[("Zed", 5), ("alpha", 50)]);
        assert_eq!(app.view.sort, SortColumn::Balance);
        for _ in 0..4 {
            app.handle(Action::SortNext);
        }
        assert_eq!(app.view.sort, SortColumn::Label);
        app.handle(Action::SortReverse);
        let labels: Vec<_> = app
            .sorted_wallets()
            .iter()
            .map(|w| w.label.clone())
            .collect();
        assert_eq!(labels, ["alpha", "Zed"]);
    }

    #[test]
    fn overlays_views_privacy_and_quit() {
        let mut app = app_with(&[("a", 1)]);
        app.handle(Action::Help);
        assert_eq!(app.view.overlay, Some(Overlay::Help));
        app.handle(Action::Back);
        assert_eq!(app.view.overlay, None);
        app.handle(Action::Open);
        assert_eq!(app.view.overlay, Some(Overlay::Detail));
        app.handle(Action::Back);
        app.handle(Action::View(View::Warnings));
        assert_eq!(app.view.view, View::Warnings);
        app.handle(Action::NextView);
        app.handle(Action::NextView);
        app.handle(Action::NextView);
        app.handle(Action::NextView);
        assert_eq!(app.view.view, View::Wallets);
        app.handle(Action::PrevView);
        assert_eq!(app.view.view, View::Holders);
        app.handle(Action::Privacy);
        assert!(app.view.privacy);
        app.handle(Action::Refresh);
        assert!(app.refresh_requested);
        assert!(!app.quit);
        app.handle(Action::Quit);
        assert!(app.quit);
    }
}
