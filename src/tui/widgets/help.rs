//! The `?` overlay, generated from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::theme;
use crate::tui::help_lines;

pub struct HelpOverlay<'a>(pub &'a crate::tui::App);

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lines: Vec<Line> = help_lines()
            .into_iter()
            .map(|(keys, help)| {
                Line::from(vec![
                    Span::styled(format!("{keys:>14}  "), theme::title()),
                    Span::raw(help),
                ])
            })
            .chain([
                Line::raw(""),
                Line::styled(
                    "  — means unknown: never a guess.  ••• is hidden (p).",
                    theme::dim(),
                ),
            ])
            .collect();
        let height = (lines.len() as u16 + 2).min(area.height);
        let width = 60.min(area.width);
        let popup = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + (area.height - height) / 2,
            width,
            height,
        };
        Clear.render(popup, buf);
        super::text::render_scrolled(
            Paragraph::new(lines),
            Block::new()
                .borders(Borders::ALL)
                .title(" Keys · Esc closes "),
            &self.0.view.overlay_scroll,
            popup,
            buf,
        );
    }
}
