//! The status bar: block and its age, the endpoint in use, every source's state and age, the
//! next refresh, and where help is. Stale figures turn yellow; failures say why.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::text::{fit, safe};
use super::theme;
use crate::format::age;
use crate::state::{SourceName, SourceStatus};
use crate::tui::App;

pub struct StatusBar<'a>(pub &'a App);

impl StatusBar<'_> {
    fn source_span(&self, name: SourceName) -> Span<'static> {
        let app = self.0;
        let Some(state) = app.state().sources.get(&name) else {
            return Span::raw("");
        };
        // The age shown is the figures' (the older of fetched and the source's own update);
        // Chainlink's staleness is its heartbeat's business (a stale feed fails the source),
        // the others' is their age against their refresh interval.
        let since = state.observed_at().map(|t| (app.now - t).whole_seconds());
        let stale_age = if name == SourceName::Chainlink {
            state.last_ok_at.map(|t| (app.now - t).whole_seconds())
        } else {
            since
        };
        let label = name.as_str();
        match &state.status {
            SourceStatus::Loading => Span::styled(format!("{label} loading…"), theme::dim()),
            SourceStatus::Ok => match since {
                Some(s)
                    if stale_age.is_some_and(|a| {
                        a > crate::state::figures::stale_after_secs(app.state(), name)
                    }) =>
                {
                    Span::styled(format!("{label} stale {}", age(s)), theme::warn())
                }
                Some(s) => Span::styled(format!("{label} ✓{}", age(s)), theme::ok()),
                None => Span::styled(format!("{label} ✓"), theme::ok()),
            },
            SourceStatus::Failed { error } => {
                let kept = since
                    .map(|s| format!(" (data {})", age(s)))
                    .unwrap_or_default();
                Span::styled(
                    format!("{label} ✗ {}{kept}", fit(&safe(error), 40)),
                    theme::bad(),
                )
            }
            SourceStatus::RateLimited { until } => {
                let wait = (*until - app.now).whole_seconds();
                let kept = since
                    .map(|s| format!(" (data {})", age(s)))
                    .unwrap_or_default();
                Span::styled(
                    format!("{label} rate-limited {}{kept}", age(wait)),
                    theme::warn(),
                )
            }
            SourceStatus::Unavailable { reason } => Span::styled(
                format!("{label} – {}", fit(&safe(reason), 16)),
                theme::dim(),
            ),
        }
    }
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let sep = || Span::styled(" │ ", theme::dim());
        let mut spans = Vec::new();
        match app.state().block {
            Some(block) => {
                let since = (app.now - block.time).whole_seconds();
                let style = if since
                    > crate::state::figures::stale_after_secs(app.state(), SourceName::Chain)
                {
                    theme::warn()
                } else {
                    theme::title()
                };
                spans.push(Span::styled(
                    format!("block {} · {} ago", block.number, age(since)),
                    style,
                ));
            }
            None => spans.push(Span::styled("block —", theme::dim())),
        }
        spans.push(sep());
        spans.push(Span::raw(fit(
            &safe(app.state().endpoint.as_deref().unwrap_or("no endpoint yet")),
            40,
        )));
        for name in SourceName::ALL {
            spans.push(sep());
            spans.push(self.source_span(name));
        }
        if let Some(error) = &app.state().logs_error {
            // Balances can be current while the transfer history is not.
            let scanned = app
                .state()
                .logs_block
                .map(|b| format!(" (to block {b})"))
                .unwrap_or_default();
            spans.push(sep());
            spans.push(Span::styled(
                format!("transfers ✗ {}{scanned}", fit(&safe(error), 30)),
                theme::bad(),
            ));
        }
        if let Some(error) = &app.state().history_error {
            spans.push(sep());
            spans.push(Span::styled(
                format!("history ✗ {}", fit(&safe(error), 30)),
                theme::bad(),
            ));
        }
        if let Some(next) = app.next_refresh {
            spans.push(sep());
            spans.push(Span::raw(format!(
                "next {}",
                age((next - app.now).whole_seconds())
            )));
        }
        spans.push(sep());
        spans.push(Span::styled("? help", theme::title()));
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}
