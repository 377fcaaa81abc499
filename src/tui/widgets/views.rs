//! The views behind the number keys, showing what this version knows.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget, Wrap};

use super::text::{fit, or_unknown, render_scrolled, safe};
use super::theme;
use crate::format::{count_within, pct, token_amount, usd, usd_within};
use crate::state::SourceName;
use crate::state::market::ListedContract;
use crate::tui::App;

use crate::state::figures::MARKET_SOURCES;

pub struct MarketView<'a>(pub &'a App);

type Figure<'a> = &'a dyn Fn(&crate::state::market::MarketQuote) -> Option<String>;

impl Widget for MarketView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let state = &app.state();
        let [table_area, venues_area] =
            ratatui::layout::Layout::vertical([Constraint::Length(14), Constraint::Min(3)])
                .areas(area);
        let disagreements = crate::flags::disagreements(state);
        let spread_of = |figure: &str| {
            disagreements
                .iter()
                .find(|d| d.figure == figure)
                .map(|d| (d.spread, d.outliers.clone()))
        };
        // Each figure column as wide as the area allows (up to 16), and every figure formatted
        // to fit it: never cut.
        let col = usize::from(area.width.saturating_sub(2 + 15 + 9 + 5) / 4).clamp(8, 16);
        let fit_usd = move |v: f64| usd_within(v, col);
        let fit_count = move |v: f64| count_within(v, col);
        let figures: [(&str, Option<&str>, Figure); 10] = [
            ("price", Some("price_usd"), &|q| q.price_usd.map(fit_usd)),
            ("24h change", None, &|q| q.change_24h_pct.map(pct)),
            ("market cap", Some("market_cap_usd"), &|q| {
                q.market_cap_usd.map(fit_usd)
            }),
            ("FDV", None, &|q| q.fdv_usd.map(fit_usd)),
            ("volume 24h", None, &|q| q.volume_24h_usd.map(fit_usd)),
            ("rank", None, &|q| q.rank.map(|r| r.to_string())),
            ("ATH", None, &|q| q.ath_usd.map(fit_usd)),
            ("from ATH", None, &|q| q.ath_change_pct.map(pct)),
            ("circulating", Some("circulating_supply"), &|q| {
                q.circulating_supply.map(fit_count)
            }),
            ("total supply", Some("total_supply"), &|q| {
                q.total_supply.map(fit_count)
            }),
        ];
        let rows = figures.iter().map(|(name, key, f)| {
            let (spread, outliers) = key.and_then(spread_of).unwrap_or((None, Vec::new()));
            let mut cells = vec![Cell::from(*name)];
            for s in MARKET_SOURCES {
                let style = if outliers.iter().any(|o| o == s.as_str()) {
                    theme::bad()
                } else {
                    ratatui::style::Style::new()
                };
                cells.push(Cell::from(or_unknown(state.market.get(&s).and_then(f))).style(style));
            }
            let onchain_style = if outliers.iter().any(|o| o == "onchain") {
                theme::bad()
            } else {
                ratatui::style::Style::new()
            };
            cells.push(
                Cell::from(match *name {
                    "price" => or_unknown(state.onchain_price_usd().map(fit_usd)),
                    "total supply" => or_unknown(
                        state
                            .token
                            .total_supply_raw
                            .zip(state.token.decimals)
                            .map(|(s, d)| crate::format::compact_amount_within(s, d, col)),
                    ),
                    // At most this can circulate: outside the burn addresses and the token
                    // contract (the Holders view, 7, breaks it down).
                    "circulating" => or_unknown(
                        crate::state::figures::chain_circulating_bound(state)
                            .zip(state.token.decimals)
                            .map(|(s, d)| {
                                format!(
                                    "≤{}",
                                    crate::format::compact_amount_within(
                                        s,
                                        d,
                                        col.saturating_sub(1)
                                    )
                                )
                            }),
                    ),
                    _ => "—".to_owned(),
                })
                .style(onchain_style),
            );
            cells.push(Cell::from(match (spread, outliers.is_empty()) {
                (Some(x), _) if x > 1.0001 => format!("×{x:.2}"),
                (_, false) => "disagree".to_owned(),
                _ => String::new(),
            }));
            Row::new(cells)
        });
        Table::new(
            rows,
            [
                Constraint::Length(15),
                Constraint::Length(col as u16),
                Constraint::Length(col as u16),
                Constraint::Length(col as u16),
                Constraint::Length(col as u16),
                Constraint::Length(9),
            ],
        )
        .header(
            Row::new([
                "",
                "CoinGecko",
                "CoinPaprika",
                "DexScreener",
                "on-chain",
                "spread",
            ])
            .style(theme::header()),
        )
        .block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Market · one column per source; disagreements in red "),
        )
        .render(table_area, buf);

        let majors = &state.rules.thresholds.major_exchanges;
        let mut lines: Vec<Line> = Vec::new();
        for (source, venues) in &state.venues {
            for v in venues {
                lines.push(Line::raw(format!(
                    "{:<12} {:<14} {:<24} vol {}  {}{}",
                    source.as_str(),
                    fit(&safe(&v.exchange), 14),
                    fit(&safe(&v.pair), 24),
                    or_unknown(v.volume_24h_usd.map(usd)),
                    v.last_traded_at
                        .map(|at| format!(
                            "last trade {} ago",
                            crate::format::age((app.now - at).whole_seconds())
                        ))
                        .unwrap_or_default(),
                    if v.is_stale { "  STALE" } else { "" }
                )));
            }
        }
        if lines.is_empty() {
            lines.push(Line::styled("no venue known", theme::dim()));
        }
        let listed: Vec<&String> = majors
            .iter()
            .filter(|m| state.venues.values().flatten().any(|v| &v.exchange == *m))
            .collect();
        let absent: Vec<&str> = majors
            .iter()
            .filter(|m| !listed.contains(m))
            .map(String::as_str)
            .collect();
        if !absent.is_empty() {
            lines.push(Line::styled(
                format!("absent from the majors: {}", absent.join(", ")),
                theme::warn(),
            ));
        }
        render_scrolled(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            Block::new()
                .borders(Borders::ALL)
                .title(" Where POP trades "),
            &app.view.scroll,
            venues_area,
            buf,
        );
    }
}

pub struct LiquidityView<'a>(pub &'a App);

impl Widget for LiquidityView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let state = &app.state();
        let decimals = crate::state::figures::decimals(state);
        let block = Block::new()
            .borders(Borders::ALL)
            .title(" Liquidity · every POP pool, its ladder and depth ");
        if state.pools.is_empty() {
            Paragraph::new(
                "No pool known: none found (yet). Without a pool there is no on-chain exit.",
            )
            .block(block)
            .render(area, buf);
            return;
        }
        let mut lines: Vec<Line> = Vec::new();
        let mut targets: Vec<super::text::AddressLine> = Vec::new();
        for p in &state.pools {
            targets.push((lines.len(), p.address, "pool"));
            let liquidity = crate::state::figures::pool_liquidity_usd(state, p);
            let price = crate::state::figures::pool_price_usd(state, p);
            lines.push(Line::styled(
                format!(
                    "{} {}  {}  reserves {} POP / {} ETH  liquidity {}  spot {}",
                    p.venue.label(),
                    pct(f64::from(p.fee_ppm) / 10_000.0),
                    p.address.to_checksum(None),
                    crate::format::compact_amount(p.pop_reserve_raw, decimals),
                    token_amount(p.weth_reserve_wei, 18, 4),
                    or_unknown(liquidity.map(usd)),
                    or_unknown(price.map(usd)),
                ),
                theme::header(),
            ));
            let ladder: Vec<String> = p
                .ladder
                .iter()
                .map(|l| {
                    let marked = state.wallets.iter().any(|w| w.pop_raw == Some(l.pop_raw));
                    format!(
                        "{}{} → {}",
                        if marked { "*" } else { "" },
                        crate::format::compact_amount(l.pop_raw, decimals),
                        match (l.eth_out_wei, l.price_impact_pct) {
                            (Some(out), Some(i)) =>
                                format!("{} ETH ({})", token_amount(out, 18, 4), pct(i)),
                            _ => "cannot absorb".to_owned(),
                        }
                    )
                })
                .collect();
            lines.push(Line::raw(format!("  ladder: {}", ladder.join("  "))));
            let depth: Vec<String> = p
                .sellable_within
                .iter()
                .map(|(pct_max, amount)| {
                    let n = amount.map(|a| crate::format::compact_amount(a, decimals)).unwrap_or_else(|| "0".into());
                    // Which watched wallets could sell their whole balance within this impact.
                    let fits = state
                        .wallets
                        .iter()
                        .filter(|w| matches!((w.pop_raw, amount), (Some(b), Some(a)) if !b.is_zero() && b <= *a))
                        .count();
                    format!("≤{pct_max}%: {n} ({fits} wallets fit)")
                })
                .collect();
            lines.push(Line::raw(format!(
                "  sellable within: {}",
                depth.join("  ")
            )));
        }
        lines.push(Line::styled(
            "  * a watched wallet's whole balance · y copies the marked pool's address",
            theme::dim(),
        ));
        super::text::mark_copy_target(
            &mut lines,
            &targets,
            area.width.saturating_sub(2),
            &app.view.scroll,
            &app.view,
        );
        render_scrolled(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            block,
            &self.0.view.scroll,
            area,
            buf,
        );
    }
}

pub struct ContractView<'a>(pub &'a App);

impl Widget for ContractView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.0.state().token;
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
        let decimals = crate::state::figures::decimals(self.0.state());
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
        let mut rows = rows.to_vec();
        for source in MARKET_SOURCES {
            let Some(q) = self.0.state().market.get(&source) else {
                rows.push(Row::new([
                    Cell::from(format!("{} coin", source.as_str())),
                    Cell::from("— (no answer)").style(theme::dim()),
                    Cell::from(""),
                ]));
                continue;
            };
            // The coin the provider resolved, as it names it, then the contract it lists.
            let coin: Vec<String> = [&q.provider_id, &q.coin_name, &q.coin_symbol]
                .into_iter()
                .flatten()
                .map(|s| safe(s))
                .collect();
            rows.push(Row::new([
                Cell::from(format!("{} coin", source.as_str())),
                Cell::from(if coin.is_empty() {
                    "—".to_owned()
                } else {
                    fit(&coin.join(" · "), 42)
                }),
                Cell::from(""),
            ]));
            let mismatch = q.lists_another_contract(t.address);
            let (listed, style) = match &q.contract {
                ListedContract::Listed(a) if mismatch => (safe(a), theme::bad()),
                ListedContract::Listed(a) => (safe(a), theme::ok()),
                ListedContract::NotListed => {
                    ("lists no Ethereum contract".to_owned(), theme::warn())
                }
                ListedContract::Unknown => ("— (not said)".to_owned(), theme::dim()),
            };
            // The config's address is the view's title: beside the listed one, whether it is it.
            rows.push(Row::new([
                Cell::from("  lists"),
                Cell::from(listed).style(style),
                Cell::from(match &q.contract {
                    ListedContract::Listed(_) if mismatch => "≠ config",
                    ListedContract::Listed(_) => "= config",
                    _ => "",
                }),
            ]));
            if mismatch {
                rows.push(Row::new([
                    Cell::from(""),
                    Cell::from("another coin: out of the paper value").style(theme::bad()),
                    Cell::from(""),
                ]));
            }
        }
        let when = |t: &crate::state::transfers::TransferSeen| {
            format!(
                "block {} · {}",
                t.block,
                t.time
                    .map(|at| format!(
                        "{} ({} ago)",
                        at.date(),
                        crate::format::age((self.0.now - at).whole_seconds())
                    ))
                    .unwrap_or_else(|| "time unknown".into())
            )
        };
        let state = self.0.state();
        let index = state.index.as_ref();
        if let Some(first) = index.and_then(|i| i.first_transfer.as_ref()) {
            rows.push(Row::new([
                Cell::from("first Transfer"),
                Cell::from(when(first)),
                Cell::from(""),
            ]));
        }
        rows.push(Row::new([
            Cell::from("last Transfer"),
            Cell::from(match state.latest_transfer.as_ref() {
                Some(l) => when(l),
                None if state.logs_block.is_some() => "none in the scanned window".to_owned(),
                None => "—".to_owned(),
            }),
            Cell::from(""),
        ]));
        rows.push(Row::new([
            Cell::from("log index"),
            Cell::from(index_status(self.0)),
            Cell::from(
                index
                    .map(|i| format!("from block {}", i.start_block))
                    .unwrap_or_default(),
            ),
        ]));
        Table::new(
            rows,
            [
                Constraint::Length(16),
                Constraint::Length(42),
                Constraint::Min(18),
            ],
        )
        .header(Row::new(["", "on-chain / listed", "expected (config)"]).style(theme::header()))
        .block(
            Block::new()
                .borders(Borders::ALL)
                .title(format!(" Contract {} ", t.address.to_checksum(None))),
        )
        .render(area, buf);
    }
}

/// What the log index proves, holds, or is doing, in a cell.
fn index_status(app: &App) -> String {
    use crate::state::transfers::Completeness;
    let state = app.state();
    if let Some(p) = &state.index_progress {
        return format!(
            "reading: {} of {} blocks, {} logs",
            p.blocks_done, p.blocks_total, p.logs
        );
    }
    if let Some(error) = &state.index_error {
        return format!("✗ {}", safe(error));
    }
    match state.index.as_ref().map(|i| (&i.completeness, i)) {
        Some((Completeness::Complete { .. }, i)) => {
            format!("complete: {} Transfers, {} holders", i.transfers, i.holders)
        }
        Some((Completeness::Partial { from, reason }, _)) => format!(
            "partial{}: {}",
            from.map(|b| format!(" from block {b}")).unwrap_or_default(),
            safe(reason)
        ),
        None => "not kept (no history) or not read yet".to_owned(),
    }
}

pub struct WarningsView<'a>(pub &'a App);

impl Widget for WarningsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        use super::side::{severity_mark, severity_style};
        let app = self.0;
        let mut lines: Vec<Line> = Vec::new();
        if app.flags().raised.is_empty() {
            lines.push(Line::styled("No red flag is raised.", theme::dim()));
        }
        for w in &app.flags().raised {
            lines.push(Line::styled(
                format!("{} {} [{}]", severity_mark(w.severity), w.title, w.id),
                severity_style(w.severity),
            ));
            lines.push(Line::raw(format!("   {}", safe(&w.detail))));
            for e in &w.evidence {
                let age = e
                    .observed_at
                    .map(|at| format!("{} ago", crate::format::age((app.now - at).whole_seconds())))
                    .unwrap_or_else(|| "time unknown".to_owned());
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
        if !app.flags().not_evaluated.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "Not evaluated (inputs unknown):",
                theme::header(),
            ));
            for n in &app.flags().not_evaluated {
                lines.push(Line::styled(
                    format!("   {}: no {}", n.id, safe(&n.missing)),
                    theme::dim(),
                ));
            }
        }
        render_scrolled(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            Block::new()
                .borders(Borders::ALL)
                .title(" Warnings · most severe first, with their evidence "),
            &app.view.scroll,
            area,
            buf,
        );
    }
}

pub struct PeersView<'a>(pub &'a App);

impl Widget for PeersView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = &self.0.state();
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
