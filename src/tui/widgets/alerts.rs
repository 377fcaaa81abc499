//! The alerts feed (`a`): events newest first, unseen ones marked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::text::safe;
use super::theme;
use crate::tui::App;

pub struct AlertsView<'a>(pub &'a App);

impl Widget for AlertsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        Clear.render(area, buf);
        let mut lines: Vec<Line> = Vec::new();
        if app.alerts.is_empty() {
            lines.push(Line::styled(
                "Nothing changed yet this session.",
                theme::dim(),
            ));
        }
        // Every alert kept (at most 500): the feed scrolls to the oldest.
        for (event, seen) in &app.alerts {
            let when = format!(
                "{:>4} ago",
                crate::format::age((app.now - event.ts).whole_seconds())
            );
            let text = format!(
                "{} {when}  {:<20} {}",
                if *seen { " " } else { "●" },
                event.kind(),
                safe(&event.summary())
            );
            lines.push(if *seen {
                Line::raw(text)
            } else {
                Line::styled(text, theme::title())
            });
        }
        super::text::render_scrolled(
            Paragraph::new(lines),
            Block::new().borders(Borders::ALL).title(format!(
                " Alerts · {} unseen · A marks all seen · a closes ",
                app.unseen_alerts()
            )),
            &app.view.overlay_scroll,
            area,
            buf,
        );
    }
}
