//! Drawing: every widget only reads the `App`. One file per widget.

mod alerts;
mod below;
mod chart;
mod detail;
mod help;
mod holders;
mod side;
mod status;
mod text;
pub mod theme;
mod views;
mod wallets;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub use detail::WalletDetail;
pub use help::HelpOverlay;
pub use side::SidePanel;
pub use status::StatusBar;
pub use views::{ContractView, LiquidityView, MarketView, PeersView, WarningsView};
pub use wallets::WalletsTable;

use crate::tui::{App, Overlay, View};
use text::safe;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    Screen(app).render(frame.area(), frame.buffer_mut());
}

pub struct Screen<'a>(pub &'a App);

impl Widget for Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        // Set again by the screen drawn, if it lists addresses.
        app.view.copy_target.set(None);
        if area.width < theme::MIN_WIDTH || area.height < theme::MIN_HEIGHT {
            Paragraph::new(vec![
                Line::raw(""),
                Line::styled("popwatch needs a larger terminal", theme::title()),
                Line::raw(format!(
                    "at least {}×{}; this one is {}×{}",
                    theme::MIN_WIDTH,
                    theme::MIN_HEIGHT,
                    area.width,
                    area.height
                )),
                Line::styled("q quits", theme::dim()),
            ])
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(area, buf);
            return;
        }
        let [header, body, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(5),
            Constraint::Length(1),
        ])
        .areas(area);
        Header(app).render(header, buf);
        match app.view.view {
            View::Wallets => {
                let main = if body.width >= 146 {
                    let [main, side] =
                        Layout::horizontal([Constraint::Min(102), Constraint::Length(44)])
                            .areas(body);
                    SidePanel(app).render(side, buf);
                    main
                } else {
                    body
                };
                let (table, below) = below::split(app, main);
                WalletsTable(app).render(table, buf);
                if let Some(below) = below {
                    below::BelowTable(app).render(below, buf);
                }
            }
            View::Market => MarketView(app).render(body, buf),
            View::Liquidity => LiquidityView(app).render(body, buf),
            View::Warnings => WarningsView(app).render(body, buf),
            View::Contract => ContractView(app).render(body, buf),
            View::Peers => PeersView(app).render(body, buf),
            View::Holders => holders::HoldersView(app).render(body, buf),
        }
        StatusBar(app).render(status, buf);
        match app.view.overlay {
            Some(Overlay::Help) => HelpOverlay(app).render(body, buf),
            Some(Overlay::Detail) => WalletDetail(app).render(body, buf),
            Some(Overlay::Chart) => chart::ChartView(app).render(body, buf),
            Some(Overlay::Alerts) => alerts::AlertsView(app).render(body, buf),
            None => {}
        }
    }
}

struct Header<'a>(&'a App);

impl Header<'_> {
    /// The header at `detail` (0: everything; 1: the other views by number only; 2: the
    /// token by its symbol alone).
    fn spans(&self, detail: u8) -> Vec<Span<'static>> {
        let app = self.0;
        let t = &app.state().token;
        let name = safe(t.name.as_deref().unwrap_or(&t.expected_name));
        let symbol = safe(t.symbol.as_deref().unwrap_or(&t.expected_symbol));
        let mut spans = vec![
            Span::styled(" popwatch ", theme::title()),
            Span::raw(if detail >= 2 {
                format!("{symbol} ")
            } else {
                format!("{name} ({symbol})  ")
            }),
        ];
        if app.demo {
            // Never shortened: what is shown is not real.
            spans.push(Span::styled(
                " DEMO — simulated data ",
                theme::demo_banner(),
            ));
            spans.push(Span::raw(" "));
        }
        for view in View::ALL {
            let current = view == app.view.view;
            let style = if current {
                theme::selected()
            } else {
                theme::dim()
            };
            let text = if current || detail == 0 {
                format!(" {} {} ", view.number(), view.title())
            } else {
                format!(" {} ", view.number())
            };
            spans.push(Span::styled(text, style));
        }
        if app.view.privacy {
            spans.push(Span::styled("  privacy on", theme::warn()));
        }
        let unseen = app.unseen_alerts();
        if unseen > 0 {
            spans.push(Span::styled(format!("  ● {unseen} new (a)"), theme::warn()));
        }
        spans
    }
}

impl Widget for Header<'_> {
    /// The most detailed header that fits: the other views' names go first, then the token's
    /// name; the view on screen, privacy and the count of new alerts stay.
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = usize::from(area.width);
        let spans = (0..=2)
            .map(|detail| self.spans(detail))
            .find(|spans| {
                spans
                    .iter()
                    .map(|s| s.content.chars().count())
                    .sum::<usize>()
                    <= width
            })
            .unwrap_or_else(|| self.spans(2));
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}
