//! The wallets table: one row per watched wallet and a totals row with the portfolio exit.

use alloy::primitives::{I256, U256};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Row, StatefulWidget, Table, TableState, Widget};

use super::text::{UNKNOWN, fit, or_unknown, private, safe};
use super::theme;
use crate::format::{compact_amount_within, pct, usd, usd_within};
use crate::state::WalletState;
use crate::state::figures::{checked_total, upfront_gas_wei};
use crate::tui::{App, SortColumn};

pub struct WalletsTable<'a>(pub &'a App);

fn share_pct(app: &App, pop: U256) -> Option<f64> {
    let supply = app
        .state()
        .token
        .total_supply_raw
        .or(app.state().token.expected_total_supply_raw)?;
    (!supply.is_zero()).then(|| f64::from(pop) / f64::from(supply) * 100.0)
}

/// Widths of the figure columns: their formatters fit them, so no figure is ever cut.
const POP_WIDTH: u16 = 9;
const PAPER_WIDTH: u16 = 9;
const EXIT_WIDTH: u16 = 11;
const ETH_WIDTH: u16 = 8;

/// Every column's width: label, address, POP, share, paper, exit, impact, ETH, gas, last.
const WIDTHS: [u16; 10] = [
    16,
    13,
    POP_WIDTH,
    7,
    PAPER_WIDTH,
    EXIT_WIDTH,
    7,
    ETH_WIDTH,
    3,
    4,
];
/// The order in which columns give way when the table is narrower than all of them (first
/// listed, first gone): the wallet, its POP and what it is worth and fetches stay.
const GIVE_WAY: [usize; 6] = [9, 3, 6, 8, 1, 7];

/// The columns (by index in [`WIDTHS`]) that fit `width` whole, one space apart.
fn columns_that_fit(width: u16) -> Vec<usize> {
    let need = |kept: &[usize]| {
        kept.iter().map(|&i| WIDTHS[i]).sum::<u16>() + u16::try_from(kept.len()).unwrap_or(0) - 1
    };
    let mut kept: Vec<usize> = (0..WIDTHS.len()).collect();
    for column in GIVE_WAY {
        if need(&kept) <= width {
            break;
        }
        kept.retain(|&i| i != column);
    }
    kept
}

/// The row of the kept columns' cells.
fn pick<'a>(cells: [Cell<'a>; 10], kept: &[usize]) -> Row<'a> {
    let mut cells = cells.map(Some);
    Row::new(kept.iter().filter_map(|&i| cells[i].take()))
}

/// Net ETH in USD and the impact, for a wallet's exit.
fn exit_cells(app: &App, net: Option<I256>, impact: Option<f64>, masked: bool) -> (String, String) {
    let value = net
        .and_then(|n| app.state().wei_usd(n))
        .map(|v| usd_within(v, usize::from(EXIT_WIDTH)));
    (private(masked, value), or_unknown(impact.map(pct)))
}

/// Whether the wallet's ETH pays what its exit needs up front (gas limit × maximum fee, not
/// the gas it will likely burn); unknown without the gas price.
fn gas_cell(w: &WalletState, gas_price: Option<U256>) -> (String, Style) {
    match (w.eth_wei, w.exit.as_ref(), gas_price) {
        (Some(eth), Some(exit), Some(price)) if eth >= upfront_gas_wei(exit, price) => {
            ("ok".to_owned(), theme::ok())
        }
        (Some(_), Some(_), Some(_)) => ("NO".to_owned(), theme::bad()),
        _ => (UNKNOWN.to_owned(), theme::dim()),
    }
}

impl Widget for WalletsTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let masked = app.view.privacy;
        let decimals = crate::state::figures::decimals(app.state());
        let wallets = app.sorted_wallets();
        let selected = app
            .view
            .selected
            .and_then(|a| wallets.iter().position(|w| w.address == a));
        // Only the rows that fit are built (thousands of wallets cost one screenful): the
        // area less its borders, the header and the totals row, scrolled as little as keeps
        // the selection in view.
        let visible = usize::from(area.height.saturating_sub(4)).max(1);
        let start = match selected {
            Some(i) if i >= visible => i + 1 - visible,
            _ => 0,
        };
        let window = &wallets[start.min(wallets.len())..(start + visible).min(wallets.len())];

        let arrow = if app.view.reverse { "▼" } else { "▲" };
        let head = |name: &'static str, column: Option<SortColumn>| -> Cell<'static> {
            if column == Some(app.view.sort) {
                Cell::from(format!("{name}{arrow}"))
            } else {
                Cell::from(name)
            }
        };
        let kept = columns_that_fit(area.width.saturating_sub(2));
        let header = pick(
            [
                head("Label", Some(SortColumn::Label)),
                head("Address", None),
                head("POP", Some(SortColumn::Balance)),
                head("Share", None),
                head("Paper", Some(SortColumn::PaperValue)),
                head("Exit (net)", Some(SortColumn::Exit)),
                head("Impact", None),
                head("ETH", Some(SortColumn::Eth)),
                head("Gas", None),
                head("Last", None),
            ],
            &kept,
        )
        .style(theme::header());

        let mut rows: Vec<Row> = window
            .iter()
            .map(|w| {
                let pop = w
                    .pop_raw
                    .map(|p| compact_amount_within(p, decimals, usize::from(POP_WIDTH)));
                let share = w.pop_raw.and_then(|p| share_pct(app, p)).map(pct);
                let paper = app
                    .state()
                    .paper_value(w)
                    .map(|(v, _)| usd_within(v, usize::from(PAPER_WIDTH)));
                let (exit, impact) = exit_cells(
                    app,
                    w.exit.as_ref().and_then(|e| e.net_eth_wei()),
                    w.exit.as_ref().map(|e| e.price_impact_pct),
                    masked,
                );
                let eth = w
                    .eth_wei
                    .map(|e| compact_amount_within(e, 18, usize::from(ETH_WIDTH)));
                let (gas, gas_style) = gas_cell(w, app.state().gas_price_wei);
                let exit_style = match w.exit.as_ref().and_then(|e| e.net_eth_wei()) {
                    Some(net) if net.is_negative() => theme::bad(),
                    _ => Style::new(),
                };
                pick(
                    [
                        Cell::from(fit(&safe(&w.label), 16)),
                        Cell::from(app.short_address(w.address)),
                        Cell::from(private(masked, pop)),
                        Cell::from(private(masked, share)),
                        Cell::from(private(masked, paper)),
                        Cell::from(exit).style(exit_style),
                        Cell::from(impact),
                        Cell::from(private(masked, eth)),
                        Cell::from(gas).style(gas_style),
                        Cell::from(
                            w.history
                                .as_ref()
                                .and_then(|h| h.last_transfer_at())
                                .map(|at| crate::format::age((app.now - at).whole_seconds()))
                                .unwrap_or_else(|| UNKNOWN.to_owned()),
                        ),
                    ],
                    &kept,
                )
            })
            .collect();

        // Totals: the portfolio's exit sells everything together (not the sum of the rows).
        // Unknown when any row is, or past 2^256 (never a wrapped, small figure).
        // Totals are the portfolio's: every watched wallet, whatever the filter shows.
        let all = &app.state().wallets;
        let total_pop = all
            .iter()
            .map(|w| w.pop_raw)
            .collect::<Option<Vec<U256>>>()
            .and_then(checked_total);
        let total_eth = all
            .iter()
            .map(|w| w.eth_wei)
            .collect::<Option<Vec<U256>>>()
            .and_then(checked_total);
        let total_paper: Option<f64> = all
            .iter()
            .map(|w| app.state().paper_value(w).map(|(v, _)| v))
            .sum();
        let portfolio = app.state().portfolio_exit.as_ref();
        let (exit, impact) = exit_cells(
            app,
            portfolio.and_then(|e| e.net_eth_wei()),
            portfolio.map(|e| e.price_impact_pct),
            masked,
        );
        if !all.is_empty() {
            rows.push(
                pick(
                    [
                        Cell::from("Total"),
                        Cell::from(format!("{} wallets", all.len())),
                        Cell::from(private(
                            masked,
                            total_pop.map(|p| {
                                compact_amount_within(p, decimals, usize::from(POP_WIDTH))
                            }),
                        )),
                        Cell::from(private(
                            masked,
                            total_pop.and_then(|p| share_pct(app, p)).map(pct),
                        )),
                        Cell::from(private(
                            masked,
                            total_paper.map(|v| usd_within(v, usize::from(PAPER_WIDTH))),
                        )),
                        Cell::from(exit),
                        Cell::from(impact),
                        Cell::from(private(
                            masked,
                            total_eth.map(|e| compact_amount_within(e, 18, usize::from(ETH_WIDTH))),
                        )),
                        Cell::from(""),
                        Cell::from(""),
                    ],
                    &kept,
                )
                .style(theme::title()),
            );
        }

        // The longest title that fits the border, never a cut one: the plan's details go
        // first, then the sort.
        let sort = format!("sorted by {} {arrow}", app.view.sort.name());
        // The filter, when there is one, goes in every title below: it says why rows are
        // missing.
        let name = if app.view.filtering || !app.view.filter.is_empty() {
            format!(
                "Wallets /{}{} ({} of {})",
                safe(&app.view.filter),
                if app.view.filtering { "_" } else { "" },
                wallets.len(),
                app.state().wallets.len()
            )
        } else {
            "Wallets".to_owned()
        };
        let plan = plan_summary(app.state());
        let room = usize::from(area.width.saturating_sub(2));
        let title = [
            plan.iter().map(String::as_str).collect::<Vec<_>>().join(""),
            plan.first().cloned().unwrap_or_default(),
        ]
        .into_iter()
        .flat_map(|p| {
            [
                format!(" {name} · {sort} · {p} "),
                format!(" {name} · {p} "),
            ]
        })
        .chain([format!(" {name} · {sort} "), format!(" {name} ")])
        .find(|t| t.chars().count() <= room)
        .unwrap_or_default();
        let title = Line::from(title);
        let block = Block::new().borders(Borders::ALL).title(title);
        if app.state().wallets.is_empty() {
            let block = Block::new().borders(Borders::ALL).title(" Welcome ");
            welcome(app, block, area, buf);
            return;
        }
        let widths: Vec<Constraint> = kept
            .iter()
            .map(|&i| Constraint::Length(WIDTHS[i]))
            .collect();
        let table = Table::new(rows, widths)
            .header(header)
            .block(block)
            .column_spacing(1)
            .row_highlight_style(theme::selected());
        let mut state = TableState::default().with_selected(selected.map(|i| i - start));
        StatefulWidget::render(table, area, buf, &mut state);
    }
}

/// What the Total row's exit is, in parts a narrow title may drop from the end: each wallet
/// selling its own and who is left out; whether consolidating first would net more.
fn plan_summary(state: &crate::state::AppState) -> Vec<String> {
    let Some(plan) = &state.portfolio_plan else {
        return vec!["total exit: —".to_owned()];
    };
    let mut first = "total exit: each wallet sells its own".to_owned();
    if !plan.excluded.is_empty() {
        first.push_str(&format!(", {} left out", plan.excluded.len()));
    }
    let mut parts = vec![first];
    if let Some(better) = plan.alternative.as_ref().and_then(|a| {
        let gain = a.exit.net_eth_wei()? - plan.exit.net_eth_wei()?;
        state.wei_usd(gain)
    }) {
        parts.push(format!(" · consolidating first nets {} more", usd(better)));
    }
    parts
}

/// With nothing watched: what popwatch shows, how to watch a wallet or see the demo, and
/// where the config is.
fn welcome(app: &App, block: Block<'_>, area: Rect, buf: &mut Buffer) {
    use ratatui::widgets::{Paragraph, Wrap};
    let config = app.config_path.as_ref().map_or_else(
        || "popwatch config path".to_owned(),
        |p| safe(&p.display().to_string()),
    );
    let lines = vec![
        Line::styled("Welcome to popwatch.", theme::title()),
        Line::raw(""),
        Line::raw(
            "For each wallet you watch it shows the POP it holds (exact, from the chain), its paper value, what a sale \
             would really fetch after price impact and gas, the market figures of several sources side by side, and \
             every red flag with its evidence.",
        ),
        Line::raw(""),
        Line::styled(
            "No wallet is watched yet. To watch one, kept in the config:",
            theme::header(),
        ),
        Line::raw("  press + here, and type its address or ENS name, then a label"),
        Line::raw("  or, from any shell: popwatch wallet add <ADDRESS or NAME.eth> --label NAME"),
        Line::styled("To just look, nothing kept:", theme::header()),
        Line::raw("  popwatch --wallet <ADDRESS or NAME.eth>"),
        Line::styled("To see every view with simulated data:", theme::header()),
        Line::raw("  popwatch --demo"),
        Line::raw(""),
        Line::raw(format!("The config: {config}")),
        Line::styled(
            "q quits · ? keys · 2-6 the token's views, which need no wallet",
            theme::dim(),
        ),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
}
