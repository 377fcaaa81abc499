//! The full chart (`c`): 7 days of POP's price per source, and the portfolio's paper and exit
//! value over the refreshes seen, with axes, labels and the time range.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Block, Borders, Chart, Clear, Dataset, GraphType, Paragraph, Widget};

use super::theme;
use crate::format::usd;
use crate::state::SourceName;
use crate::tui::App;

pub struct ChartView<'a>(pub &'a App);

/// One source's line: its name, colour and (hours before now, price) points.
type Series = (SourceName, Color, Vec<(f64, f64)>);

const SOURCE_COLORS: [(SourceName, Color); 3] = [
    (SourceName::Coingecko, Color::Green),
    (SourceName::Coinpaprika, Color::Cyan),
    (SourceName::Dexscreener, Color::Magenta),
];

/// Hours before `now` (negative) for each point.
fn hours(app: &App, at: time::OffsetDateTime) -> f64 {
    (at - app.now).as_seconds_f64() / 3600.0
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<[f64; 2]> {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        None
    } else if lo == hi {
        Some([lo * 0.9, hi * 1.1 + f64::EPSILON])
    } else {
        Some([lo, hi])
    }
}

fn y_labels(b: [f64; 2]) -> Vec<Line<'static>> {
    vec![
        Line::raw(usd(b[0])),
        Line::raw(usd((b[0] + b[1]) / 2.0)),
        Line::raw(usd(b[1])),
    ]
}

impl Widget for ChartView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        Clear.render(area, buf);
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
        let x = [-168.0, 0.0];
        let x_labels = vec![Line::raw("-7d"), Line::raw("-3.5d"), Line::raw("now")];

        let series: Vec<Series> = SOURCE_COLORS
            .iter()
            .filter_map(|(s, c)| {
                let points: Vec<(f64, f64)> = app
                    .state()
                    .price_history
                    .get(s)?
                    .iter()
                    .map(|(at, p)| (hours(app, *at), *p))
                    .filter(|(h, _)| *h >= -168.0)
                    .collect();
                (!points.is_empty()).then_some((*s, *c, points))
            })
            .collect();
        match bounds(
            series
                .iter()
                .flat_map(|(_, _, p)| p.iter().map(|(_, v)| *v)),
        ) {
            Some(y) => {
                let datasets = series
                    .iter()
                    .map(|(s, c, points)| {
                        Dataset::default()
                            .name(s.as_str())
                            .marker(Marker::Braille)
                            .graph_type(GraphType::Line)
                            .style(Style::new().fg(*c))
                            .data(points)
                    })
                    .collect();
                Chart::new(datasets)
                    .block(
                        Block::new()
                            .borders(Borders::ALL)
                            .title(" POP price per source · last 7 days · c closes "),
                    )
                    .x_axis(
                        Axis::default()
                            .title("time")
                            .bounds(x)
                            .labels(x_labels.clone()),
                    )
                    .y_axis(Axis::default().title("USD").bounds(y).labels(y_labels(y)))
                    .render(top, buf);
            }
            None => Paragraph::new(Line::styled("no price history yet", theme::dim()))
                .block(
                    Block::new()
                        .borders(Borders::ALL)
                        .title(" POP price per source · c closes "),
                )
                .render(top, buf),
        }

        portfolio_chart(app, bottom, buf);
    }
}

/// The portfolio's paper value against what a sale would fetch, over the refreshes seen: in
/// the full chart, and below the wallets table when there is room.
pub(super) fn portfolio_chart(app: &App, area: Rect, buf: &mut Buffer) {
    // One line per span of watching: a point with neither value marks a time nothing was
    // watched, and no line is drawn across it.
    let mut paper: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut exit: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (at, p, e) in &app.state().portfolio_history {
        if p.is_none() && e.is_none() {
            paper.push(Vec::new());
            exit.push(Vec::new());
            continue;
        }
        let h = hours(app, *at);
        if let (Some(p), Some(line)) = (p, paper.last_mut()) {
            line.push((h, *p));
        }
        if let (Some(e), Some(line)) = (e, exit.last_mut()) {
            line.push((h, *e));
        }
    }
    paper.retain(|line| !line.is_empty());
    exit.retain(|line| !line.is_empty());
    let all = || paper.iter().chain(&exit).flatten();
    let start = all().map(|(h, _)| *h).fold(0.0, f64::min).min(-1.0 / 60.0);
    match bounds(all().map(|(_, v)| *v)) {
        Some(y) if !app.view.privacy => {
            fn line(points: &[(f64, f64)], color: Color) -> Dataset<'_> {
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(Style::new().fg(color))
                    .data(points)
            }
            let mut datasets = Vec::new();
            for (name, lines, color) in [
                ("paper", &paper, Color::Yellow),
                ("exit (net)", &exit, Color::Red),
            ] {
                for (i, points) in lines.iter().enumerate() {
                    let dataset = line(points, color);
                    // Named once, so the legend lists each series once.
                    datasets.push(if i == 0 { dataset.name(name) } else { dataset });
                }
            }
            Chart::new(datasets)
                .block(Block::new().borders(Borders::ALL).title(
                    " Portfolio: paper value vs what a sale would fetch (gaps: not watched) ",
                ))
                .x_axis(
                    Axis::default()
                        .title("hours")
                        .bounds([start, 0.0])
                        .labels(vec![Line::raw(format!("{start:.1}h")), Line::raw("now")]),
                )
                .y_axis(Axis::default().title("USD").bounds(y).labels(y_labels(y)))
                .render(area, buf);
        }
        Some(_) => Paragraph::new("hidden (privacy)")
            .block(Block::new().borders(Borders::ALL).title(" Portfolio "))
            .render(area, buf),
        None => Paragraph::new(Line::styled("no portfolio values yet", theme::dim()))
            .block(Block::new().borders(Borders::ALL).title(" Portfolio "))
            .render(area, buf),
    }
}
