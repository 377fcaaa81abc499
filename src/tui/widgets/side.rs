//! Beside the wallets: a compact market summary (price, volume, market cap per source), the
//! 7-day price sparkline, and the top warnings.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, Widget, Wrap};

use super::text::{UNKNOWN, or_unknown, safe};
use super::theme;
use crate::format::{usd, usd_within};

/// Widths of the market panel's figure columns, which their formatter fits.
const PRICE_WIDTH: u16 = 11;
const FIGURE_WIDTH: u16 = 8;
use crate::state::SourceName;
use crate::tui::App;

pub struct SidePanel<'a>(pub &'a App);

impl Widget for SidePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let [market, chart, warnings] = Layout::vertical([
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Min(3),
        ])
        .areas(area);

        let mut rows: Vec<Row> = [
            SourceName::Coingecko,
            SourceName::Coinpaprika,
            SourceName::Dexscreener,
        ]
        .into_iter()
        .map(|s| {
            let q = app.state().market.get(&s);
            let cell = |figure: Option<f64>, width: u16| {
                Cell::from(or_unknown(
                    figure.map(|v| usd_within(v, usize::from(width))),
                ))
            };
            Row::new([
                Cell::from(s.as_str()),
                cell(q.and_then(|q| q.price_usd), PRICE_WIDTH),
                cell(q.and_then(|q| q.volume_24h_usd), FIGURE_WIDTH),
                cell(q.and_then(|q| q.market_cap_usd), FIGURE_WIDTH),
            ])
        })
        .collect();
        rows.push(Row::new([
            Cell::from("on-chain"),
            Cell::from(or_unknown(
                app.state()
                    .onchain_price_usd()
                    .map(|v| usd_within(v, usize::from(PRICE_WIDTH))),
            )),
            Cell::from(UNKNOWN),
            Cell::from(UNKNOWN),
        ]));
        Table::new(
            rows,
            [
                Constraint::Length(11),
                Constraint::Length(PRICE_WIDTH),
                Constraint::Length(FIGURE_WIDTH),
                Constraint::Length(FIGURE_WIDTH),
            ],
        )
        .header(Row::new(["source", "price", "vol 24h", "mcap"]).style(theme::header()))
        .block(Block::new().borders(Borders::ALL).title(" Market "))
        .render(market, buf);

        // The sparkline of the first source with a history.
        let history = [
            SourceName::Coingecko,
            SourceName::Coinpaprika,
            SourceName::Dexscreener,
        ]
        .into_iter()
        .find_map(|s| {
            app.state()
                .price_history
                .get(&s)
                .filter(|h| h.len() >= 2)
                .map(|h| (s, h))
        });
        let block = Block::new().borders(Borders::ALL);
        match history {
            Some((source, points)) => {
                let (min, max) = points
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(lo, hi), (_, p)| {
                        (lo.min(*p), hi.max(*p))
                    });
                let span = (max - min).max(f64::EPSILON);
                let width = usize::from(chart.width.saturating_sub(2));
                let data: Vec<u64> = points
                    .iter()
                    .skip(points.len().saturating_sub(width))
                    .map(|(_, p)| ((p - min) / span * 99.0) as u64 + 1)
                    .collect();
                let last = points.back().map(|(_, p)| usd(*p)).unwrap_or_default();
                Sparkline::default()
                    .data(&data)
                    .style(theme::ok())
                    .block(block.title(format!(" POP price · {} · {last} ", source.as_str())))
                    .render(chart, buf);
            }
            None => Paragraph::new(Line::styled("no price history yet", theme::dim()))
                .block(block.title(" POP price "))
                .render(chart, buf),
        }

        let lines: Vec<Line> = if app.flags().raised.is_empty() {
            vec![Line::styled("none raised", theme::dim())]
        } else {
            grouped(app)
                .into_iter()
                .map(|(w, subjects)| {
                    Line::styled(
                        format!(
                            "{} {}{}",
                            severity_mark(w.severity),
                            w.title,
                            about(&subjects)
                        ),
                        severity_style(w.severity),
                    )
                })
                .collect()
        };
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::new().borders(Borders::ALL).title(format!(
                " Warnings ({}) · 4 for detail ",
                app.flags().raised.len()
            )))
            .render(warnings, buf);
    }
}

/// The raised warnings, one per rule, in order, each with the names of everything it is
/// raised about (several wallets failing the same rule are one line).
fn grouped(app: &App) -> Vec<(&crate::flags::Warning, Vec<String>)> {
    let mut groups: Vec<(&crate::flags::Warning, Vec<String>)> = Vec::new();
    for w in &app.flags().raised {
        let name = w.subject.as_ref().and_then(|s| subject_name(app, s));
        match groups.iter_mut().find(|(first, _)| first.id == w.id) {
            Some((_, names)) => names.extend(name),
            None => groups.push((w, name.into_iter().collect())),
        }
    }
    groups
}

/// Whom a warning is about, as the reader knows it: a wallet by its label (its ENS name when it
/// has no label of its own, hidden by the privacy mask), a pool by its venue, a source or an
/// endpoint by name. The token itself needs no name.
fn subject_name(app: &App, subject: &crate::flags::Subject) -> Option<String> {
    match subject.kind {
        "wallet" => {
            let w = app
                .state()
                .wallets
                .iter()
                .find(|w| w.address.to_checksum(None) == subject.id)?;
            Some(safe(&w.label))
        }
        "pool" => app
            .state()
            .pools
            .iter()
            .find(|p| p.address.to_checksum(None) == subject.id)
            .map(|p| p.venue.label().to_owned()),
        "source" | "endpoint" => Some(safe(&subject.id)),
        _ => None,
    }
}

/// ` — Dust`, ` — Dust, Empty`, ` — 3 wallets: Dust, Empty, …` (nothing without a subject).
fn about(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!(" — {one}"),
        [a, b] => format!(" — {a}, {b}"),
        [a, b, ..] => format!(" — {} of them: {a}, {b}, …", names.len()),
    }
}

pub fn severity_mark(s: crate::flags::Severity) -> &'static str {
    match s {
        crate::flags::Severity::Critical => "!!",
        crate::flags::Severity::Warning => "! ",
        crate::flags::Severity::Info => "i ",
    }
}

pub fn severity_style(s: crate::flags::Severity) -> ratatui::style::Style {
    match s {
        crate::flags::Severity::Critical => theme::bad(),
        crate::flags::Severity::Warning => theme::warn(),
        crate::flags::Severity::Info => theme::dim(),
    }
}
