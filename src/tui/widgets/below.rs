//! Below the wallets table, when the terminal is tall enough to leave room: the selected
//! wallet's exit (its legs, gas, impact, sell check) and the portfolio's paper value against
//! what a sale would fetch, so a tall pane is not left empty.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::text::safe;
use super::theme;
use crate::tui::App;

/// Rows below the table needed before anything is drawn there.
pub const MIN_HEIGHT: u16 = 9;
/// Columns from which the exit and the chart stand side by side.
const SIDE_BY_SIDE: u16 = 120;
/// Rows from which the chart fits under the exit, when they cannot stand side by side.
const STACKED: u16 = 20;

/// The table's area and, when the terminal leaves room below the rows it needs, the area below.
pub fn split(app: &App, area: Rect) -> (Rect, Option<Rect>) {
    let shown = app.shown_wallets();
    // Borders, the header and the totals row around the rows.
    let needed = u16::try_from(shown).unwrap_or(u16::MAX).saturating_add(4);
    if shown == 0 || area.height < needed.saturating_add(MIN_HEIGHT) {
        return (area, None);
    }
    let [table, below] =
        Layout::vertical([Constraint::Length(needed), Constraint::Min(MIN_HEIGHT)]).areas(area);
    (table, Some(below))
}

pub struct BelowTable<'a>(pub &'a App);

impl Widget for BelowTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let (exit, chart) = if area.width >= SIDE_BY_SIDE {
            let [exit, chart] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(area);
            (exit, Some(chart))
        } else if area.height >= STACKED {
            let [exit, chart] =
                Layout::vertical([Constraint::Length(MIN_HEIGHT), Constraint::Min(8)]).areas(area);
            (exit, Some(chart))
        } else {
            (area, None)
        };
        let (title, lines) = match app.selected_wallet() {
            Some(w) => (
                format!(" Exit of {} · Enter: the whole detail ", safe(&w.label)),
                super::detail::exit_lines(app, w),
            ),
            None => (
                " Exit ".to_owned(),
                vec![Line::styled("no wallet selected", theme::dim())],
            ),
        };
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::new().borders(Borders::ALL).title(title))
            .render(exit, buf);
        if let Some(chart) = chart {
            super::chart::portfolio_chart(app, chart, buf);
        }
    }
}
