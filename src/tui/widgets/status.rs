//! The status bar: block and its age, the endpoint in use, every source's state and age, the
//! next refresh, and where help is. Stale figures turn yellow; failures say why. On a narrow
//! terminal it says less, by priority, never dropping the data's age, a source that is not
//! fine, or `? help`.

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

/// How much a status bar says, from all of it down to what it must never drop: the data's
/// age, every source that is not fine, and where help is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Detail {
    /// Everything: the endpoint, every source with its age, failures with their reason.
    All,
    /// Without the endpoint.
    NoEndpoint,
    /// Without the next refresh either.
    NoNext,
    /// Sources by short names, failures' reasons cut short.
    Short,
    /// Only the sources that are not fine, by short name, without reasons.
    Problems,
    /// The block's age alone, then the problems.
    Least,
}

impl Detail {
    const ALL: [Detail; 6] = [
        Detail::All,
        Detail::NoEndpoint,
        Detail::NoNext,
        Detail::Short,
        Detail::Problems,
        Detail::Least,
    ];
}

/// A source's short name, for a narrow status bar.
fn short_name(name: SourceName) -> &'static str {
    match name {
        SourceName::Chain => "chain",
        SourceName::Chainlink => "feed",
        SourceName::Coingecko => "cg",
        SourceName::Coinpaprika => "cp",
        SourceName::Dexscreener => "dx",
    }
}

impl StatusBar<'_> {
    /// A source's state at `detail`; `None` where that detail leaves a fine source out.
    fn source_span(&self, name: SourceName, detail: Detail) -> Option<Span<'static>> {
        let app = self.0;
        let state = app.state().sources.get(&name)?;
        // The age shown is the figures' (the older of fetched and the source's own update);
        // Chainlink's staleness is its heartbeat's business (a stale feed fails the source),
        // the others' is their age against their refresh interval.
        let since = state.observed_at().map(|t| (app.now - t).whole_seconds());
        let stale_age = if name == SourceName::Chainlink {
            state.last_ok_at.map(|t| (app.now - t).whole_seconds())
        } else {
            since
        };
        let label = if detail >= Detail::Short {
            short_name(name)
        } else {
            name.as_str()
        };
        let reason = |text: &str, full: usize| match detail {
            d if d >= Detail::Problems => String::new(),
            Detail::Short => format!(" {}", fit(&safe(text), 14)),
            _ => format!(" {}", fit(&safe(text), full)),
        };
        let kept = |since: Option<i64>| match (since, detail >= Detail::Problems) {
            (Some(s), false) => format!(" (data {})", age(s)),
            _ => String::new(),
        };
        let fine = detail >= Detail::Problems;
        Some(match &state.status {
            SourceStatus::Loading if fine => return None,
            SourceStatus::Loading => Span::styled(format!("{label} loading…"), theme::dim()),
            SourceStatus::Ok => match since {
                Some(s)
                    if stale_age.is_some_and(|a| {
                        a > crate::state::figures::stale_after_secs(app.state(), name)
                    }) =>
                {
                    Span::styled(format!("{label} stale {}", age(s)), theme::warn())
                }
                _ if fine => return None,
                Some(s) => Span::styled(format!("{label} ✓{}", age(s)), theme::ok()),
                None => Span::styled(format!("{label} ✓"), theme::ok()),
            },
            SourceStatus::Failed { error } => Span::styled(
                format!("{label} ✗{}{}", reason(error, 40), kept(since)),
                theme::bad(),
            ),
            SourceStatus::RateLimited { until } => {
                let wait = (*until - app.now).whole_seconds();
                Span::styled(
                    format!("{label} rate-limited {}{}", age(wait), kept(since)),
                    theme::warn(),
                )
            }
            SourceStatus::Unavailable { .. } if fine => return None,
            SourceStatus::Unavailable { reason: why } => {
                Span::styled(format!("{label} –{}", reason(why, 16)), theme::dim())
            }
        })
    }

    /// The status bar's spans at `detail`.
    fn spans(&self, detail: Detail) -> Vec<Span<'static>> {
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
                let text = if detail == Detail::Least {
                    format!("{} ago", age(since))
                } else {
                    format!("block {} · {} ago", block.number, age(since))
                };
                spans.push(Span::styled(text, style));
            }
            None => spans.push(Span::styled("block —", theme::dim())),
        }
        if let Some(notice) = &app.notice {
            spans.push(sep());
            spans.push(Span::styled(notice.clone(), theme::title()));
        }
        if detail == Detail::All {
            spans.push(sep());
            spans.push(Span::raw(fit(
                &safe(app.state().endpoint.as_deref().unwrap_or("no endpoint yet")),
                40,
            )));
        }
        for name in SourceName::ALL {
            if let Some(span) = self.source_span(name, detail) {
                spans.push(sep());
                spans.push(span);
            }
        }
        if let Some(p) = &app.state().index_progress {
            // The log index being read: how far, and at this pace how long.
            let pct = p
                .blocks_done
                .saturating_mul(100)
                .checked_div(p.blocks_total)
                .map_or(100, |pct| pct.min(100));
            let text = if detail >= Detail::Short {
                format!("index {pct}%")
            } else {
                let filled = usize::try_from(pct / 10).unwrap_or(10);
                format!(
                    "index ▕{}{}▏ {pct}% · {} logs{}",
                    "█".repeat(filled),
                    "░".repeat(10 - filled),
                    p.logs,
                    p.eta
                        .map(|eta| format!(" · ~{} left", age(eta.as_secs() as i64)))
                        .unwrap_or_default()
                )
            };
            spans.push(sep());
            spans.push(Span::styled(text, theme::dim()));
        }
        let cut = if detail >= Detail::Short { 14 } else { 30 };
        if let Some(error) = &app.state().logs_error {
            // Balances can be current while the transfer history is not.
            let scanned = app
                .state()
                .logs_block
                .filter(|_| detail < Detail::Short)
                .map(|b| format!(" (to block {b})"))
                .unwrap_or_default();
            let why = if detail >= Detail::Problems {
                String::new()
            } else {
                format!(" {}", fit(&safe(error), cut))
            };
            spans.push(sep());
            spans.push(Span::styled(
                format!("transfers ✗{why}{scanned}"),
                theme::bad(),
            ));
        }
        if let Some(problem) = &app.config_problem {
            // The config edited while the app runs does not load: said until it does.
            let why = if detail >= Detail::Problems {
                String::new()
            } else {
                format!(" {}", fit(&safe(problem), cut * 2))
            };
            spans.push(sep());
            spans.push(Span::styled(
                format!("config ✗{why} (running on the last good one)"),
                theme::bad(),
            ));
        }
        if let Some(error) = &app.state().history_error {
            let why = if detail >= Detail::Problems {
                String::new()
            } else {
                format!(" {}", fit(&safe(error), cut))
            };
            spans.push(sep());
            spans.push(Span::styled(format!("history ✗{why}"), theme::bad()));
        }
        if let Some(next) = app.next_refresh.filter(|_| detail < Detail::NoNext) {
            spans.push(sep());
            spans.push(Span::raw(format!(
                "next {}",
                age((next - app.now).whole_seconds())
            )));
        }
        spans.push(sep());
        spans.push(Span::styled("? help", theme::title()));
        spans
    }
}

impl Widget for StatusBar<'_> {
    /// The most detailed bar that fits the width: detail goes by priority (the endpoint, the
    /// next refresh, sources' long names and reasons, fine sources), never the data's age,
    /// the state of a source that is not fine, or `? help`.
    fn render(self, area: Rect, buf: &mut Buffer) {
        if let Some(prompt) = &self.0.prompt {
            // A question takes the whole line: what is typed must be seen.
            Paragraph::new(Line::styled(
                prompt.line(usize::from(area.width)),
                theme::title(),
            ))
            .render(area, buf);
            return;
        }
        let width = usize::from(area.width);
        let fits = |spans: &[Span<'_>]| {
            spans
                .iter()
                .map(|s| s.content.chars().count())
                .sum::<usize>()
                <= width
        };
        let spans = Detail::ALL
            .into_iter()
            .map(|detail| self.spans(detail))
            .find(|spans| fits(spans))
            .unwrap_or_else(|| self.spans(Detail::Least));
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}
