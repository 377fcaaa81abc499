//! The views behind the number keys, showing what this version knows.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::text::{or_unknown, safe};
use super::theme;
use crate::app::App;
use crate::format::{pct, token_amount, usd};
use crate::state::SourceName;

const MARKET_SOURCES: [SourceName; 3] = [
    SourceName::Coingecko,
    SourceName::Coinpaprika,
    SourceName::Dexscreener,
];

pub struct MarketView<'a>(pub &'a App);

impl Widget for MarketView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        type Figure = fn(&crate::state::market::MarketQuote) -> Option<String>;
        let figures: [(&str, Figure); 9] = [
            ("price", |q| q.price_usd.map(usd)),
            ("24h change", |q| q.change_24h_pct.map(pct)),
            ("market cap", |q| q.market_cap_usd.map(usd)),
            ("FDV", |q| q.fdv_usd.map(usd)),
            ("volume 24h", |q| q.volume_24h_usd.map(usd)),
            ("rank", |q| q.rank.map(|r| r.to_string())),
            ("ATH", |q| q.ath_usd.map(usd)),
            ("circulating", |q| {
                q.circulating_supply.map(|v| format!("{v:.0}"))
            }),
            ("total supply", |q| {
                q.total_supply.map(|v| format!("{v:.0}"))
            }),
        ];
        let rows = figures.iter().map(|(name, f)| {
            let mut cells = vec![Cell::from(*name)];
            cells.extend(
                MARKET_SOURCES
                    .iter()
                    .map(|s| Cell::from(or_unknown(app.state.market.get(s).and_then(f)))),
            );
            cells.push(Cell::from(match *name {
                "price" => or_unknown(app.state.onchain_price_usd().map(usd)),
                "total supply" => or_unknown(
                    app.state
                        .token
                        .total_supply_raw
                        .zip(app.state.token.decimals)
                        .map(|(s, d)| token_amount(s, d, 0)),
                ),
                _ => "—".to_owned(),
            }));
            Row::new(cells)
        });
        Table::new(
            rows,
            [
                Constraint::Length(13),
                Constraint::Length(14),
                Constraint::Length(14),
                Constraint::Length(14),
                Constraint::Length(16),
            ],
        )
        .header(
            Row::new(["", "CoinGecko", "CoinPaprika", "DexScreener", "on-chain"])
                .style(theme::header()),
        )
        .block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Market · one column per source, disagreements visible "),
        )
        .render(area, buf);
    }
}

pub struct LiquidityView<'a>(pub &'a App);

impl Widget for LiquidityView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let decimals = app
            .state
            .token
            .decimals
            .unwrap_or(app.state.token.expected_decimals);
        let block = Block::new()
            .borders(Borders::ALL)
            .title(" Liquidity · every POP pool found ");
        if app.state.pools.is_empty() {
            Paragraph::new("No pool known: none found yet, or pools are not read by this version.")
                .block(block)
                .render(area, buf);
            return;
        }
        let rows = app.state.pools.iter().map(|p| {
            Row::new([
                Cell::from(p.venue.label()),
                Cell::from(pct(f64::from(p.fee_ppm) / 10_000.0)),
                Cell::from(p.address.to_checksum(None)),
                Cell::from(token_amount(p.pop_reserve_raw, decimals, 0)),
                Cell::from(token_amount(p.weth_reserve_wei, 18, 4)),
            ])
        });
        Table::new(
            rows,
            [
                Constraint::Length(11),
                Constraint::Length(6),
                Constraint::Length(43),
                Constraint::Length(16),
                Constraint::Length(12),
            ],
        )
        .header(
            Row::new(["venue", "fee", "pool", "POP reserve", "ETH reserve"]).style(theme::header()),
        )
        .block(block)
        .render(area, buf);
    }
}

pub struct ContractView<'a>(pub &'a App);

impl Widget for ContractView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.0.state.token;
        let row = |name: &str, onchain: Option<String>, expected: String| {
            let style = match &onchain {
                Some(v) if *v != expected => theme::bad(),
                Some(_) => theme::ok(),
                None => theme::dim(),
            };
            Row::new([
                Cell::from(name.to_owned()),
                Cell::from(or_unknown(onchain)).style(style),
                Cell::from(expected),
            ])
        };
        let decimals = t.decimals.unwrap_or(t.expected_decimals);
        let rows = [
            row("name", t.name.as_deref().map(safe), safe(&t.expected_name)),
            row(
                "symbol",
                t.symbol.as_deref().map(safe),
                safe(&t.expected_symbol),
            ),
            row(
                "decimals",
                t.decimals.map(|d| d.to_string()),
                t.expected_decimals.to_string(),
            ),
            row(
                "totalSupply",
                t.total_supply_raw.map(|s| token_amount(s, decimals, 0)),
                t.expected_total_supply_raw
                    .map(|s| token_amount(s, t.expected_decimals, 0))
                    .unwrap_or_default(),
            ),
        ];
        Table::new(
            rows,
            [
                Constraint::Length(12),
                Constraint::Length(30),
                Constraint::Length(30),
            ],
        )
        .header(Row::new(["", "on-chain", "expected (config)"]).style(theme::header()))
        .block(
            Block::new()
                .borders(Borders::ALL)
                .title(format!(" Contract {} ", t.address.to_checksum(None))),
        )
        .render(area, buf);
    }
}

pub struct WarningsView<'a>(pub &'a App);

impl Widget for WarningsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        use super::side::{severity_mark, severity_style};
        let app = self.0;
        let mut lines: Vec<Line> = Vec::new();
        if app.flags.raised.is_empty() {
            lines.push(Line::styled("No red flag is raised.", theme::dim()));
        }
        for w in &app.flags.raised {
            lines.push(Line::styled(
                format!("{} {} [{}]", severity_mark(w.severity), w.title, w.id),
                severity_style(w.severity),
            ));
            lines.push(Line::raw(format!("   {}", safe(&w.detail))));
            for e in &w.evidence {
                let age = e.observed_at.as_deref().unwrap_or("time unknown");
                lines.push(Line::styled(
                    format!(
                        "     {}: {} = {} ({age})",
                        safe(&e.source),
                        safe(&e.figure),
                        safe(&e.value)
                    ),
                    theme::dim(),
                ));
            }
        }
        if !app.flags.not_evaluated.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "Not evaluated (inputs unknown):",
                theme::header(),
            ));
            for n in &app.flags.not_evaluated {
                lines.push(Line::styled(
                    format!("   {}: no {}", n.id, safe(&n.missing)),
                    theme::dim(),
                ));
            }
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(
                Block::new()
                    .borders(Borders::ALL)
                    .title(" Warnings · most severe first, with their evidence "),
            )
            .render(area, buf);
    }
}

pub struct PeersView<'a>(pub &'a App);

impl Widget for PeersView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = &self.0.state;
        let block = Block::new()
            .borders(Borders::ALL)
            .title(" Peers · POP beside Theta and Audius ");
        let pop = state
            .market
            .get(&SourceName::Coingecko)
            .or_else(|| state.market.get(&SourceName::Coinpaprika));
        let mut rows = vec![Row::new([
            Cell::from("POP"),
            Cell::from(or_unknown(
                pop.and_then(|q| q.market_cap_usd)
                    .filter(|m| *m > 0.0)
                    .map(usd),
            )),
            Cell::from(or_unknown(pop.and_then(|q| q.volume_24h_usd).map(usd))),
            Cell::from(or_unknown(pop.and_then(|q| q.change_24h_pct).map(pct))),
        ])];
        let peers = state
            .peers
            .get(&SourceName::Coingecko)
            .or_else(|| state.peers.get(&SourceName::Coinpaprika));
        for p in peers.into_iter().flatten() {
            rows.push(Row::new([
                Cell::from(safe(p.symbol.as_deref().unwrap_or(&p.id))),
                Cell::from(or_unknown(p.market_cap_usd.map(usd))),
                Cell::from(or_unknown(p.volume_24h_usd.map(usd))),
                Cell::from(or_unknown(p.change_24h_pct.map(pct))),
            ]));
        }
        Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Length(14),
                Constraint::Length(14),
                Constraint::Length(10),
            ],
        )
        .header(Row::new(["coin", "market cap", "volume 24h", "24h"]).style(theme::header()))
        .block(block)
        .render(area, buf);
    }
}
