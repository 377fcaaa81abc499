//! The Holders view (`7`): who holds the token as the chain shows it. The counts and the
//! concentration, the supply's breakdown (each line with its share; it adds up to
//! `totalSupply` where the index is complete), the top holders with their kind and roles, and
//! the Transfers of each month as a bar chart. Scrolls; readable at 80 columns.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::text::{render_scrolled, safe};
use super::theme;
use crate::format::{fraction_pct, token_amount};
use crate::state::holders::HoldersReading;
use crate::tui::App;

pub struct HoldersView<'a>(pub &'a App);

impl Widget for HoldersView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let state = app.state();
        let (title, lines) = match &state.holders {
            Some(h) => (
                format!(
                    " Holders · at block {} · {} ",
                    h.block,
                    if h.complete {
                        "complete"
                    } else {
                        "partial: the index's so far"
                    }
                ),
                lines(app, h, area.width.saturating_sub(2)),
            ),
            None => (
                " Holders ".to_owned(),
                vec![Line::styled(
                    match (&state.index_error, &state.index) {
                        (Some(e), _) => format!("— the log index failed: {}", safe(e)),
                        (None, Some(_)) => {
                            "— the holders are counted once totalSupply is read".to_owned()
                        }
                        (None, None) => {
                            "— counted from the log index once it is read (see the status bar)"
                                .to_owned()
                        }
                    },
                    theme::dim(),
                )],
            ),
        };
        render_scrolled(
            Paragraph::new(lines),
            Block::new().borders(Borders::ALL).title(title),
            &app.view.scroll,
            area,
            buf,
        );
    }
}

fn lines(app: &App, h: &HoldersReading, width: u16) -> Vec<Line<'static>> {
    let state = app.state();
    let decimals = crate::state::figures::decimals(state);
    let share = |raw| fraction_pct(h.share(raw));
    let opt = fraction_pct;
    let mut out = vec![
        Line::raw(format!(
            "{} holders · {} of at least {} tokens",
            h.holders,
            h.above_dust,
            token_amount(h.dust_floor, decimals, 4)
        )),
        Line::raw(format!(
            "largest {} · top 10 {} · top 10 without pools and burns {}",
            opt(h.top1_share),
            opt(h.top10_share),
            opt(h.top10_excluding_pools_share)
        )),
        Line::raw(format!(
            "half the supply is held by {} holder(s) (the fewest that together pass 50%)",
            h.holders_to_half
                .map_or_else(|| "—".to_owned(), |n| n.to_string())
        )),
    ];
    if !h.complete {
        out.push(Line::styled(
            "partial: figures are the log index's so far (see the Contract view)",
            theme::warn(),
        ));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Where the supply sits", theme::header()));
    let label_width = usize::from(width).saturating_sub(34).clamp(16, 52);
    for line in &h.breakdown {
        out.push(Line::raw(format!(
            "{:<label_width$} {:>22} {:>7}",
            super::text::fit(line.part.describe(), label_width),
            token_amount(line.amount, decimals, 0),
            share(line.amount)
        )));
    }
    out.push(Line::styled(
        format!(
            "{:<label_width$} {:>22} {:>7}",
            "totalSupply",
            token_amount(h.total_supply, decimals, 0),
            share(h.total_supply)
        ),
        theme::header(),
    ));
    if h.accounted == h.total_supply {
        out.push(Line::styled(
            "the lines add up to totalSupply to the wei",
            theme::ok(),
        ));
    } else {
        out.push(Line::styled(
            format!(
                "the lines add up to {}: the index is partial",
                token_amount(h.accounted, decimals, 4)
            ),
            theme::warn(),
        ));
    }
    if let Some(destroyed) = h.destroyed {
        out.push(Line::raw(format!(
            "destroyed (minted less totalSupply): {}",
            token_amount(destroyed, decimals, 4)
        )));
    }

    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("Top {} holders", h.top.len()),
        theme::header(),
    ));
    let wide = width >= 120;
    let addresses: Vec<alloy::primitives::Address> = h.top.iter().map(|x| x.address).collect();
    let shown = if wide {
        addresses.iter().map(|a| a.to_checksum(None)).collect()
    } else {
        crate::format::short_addresses(&addresses)
    };
    for (i, (holder, address)) in h.top.iter().zip(shown).enumerate() {
        let mut who: Vec<String> = holder.roles.iter().map(|r| safe(&r.describe())).collect();
        if let Some(name) = state.name_of(holder.address) {
            who.push(safe(name));
        }
        // Its kind where the code was read and it is not a plain account.
        if !matches!(
            holder.kind,
            crate::state::holders::HolderKind::Account | crate::state::holders::HolderKind::Unknown
        ) {
            who.insert(0, holder.kind.as_str().to_owned());
        }
        out.push(Line::raw(format!(
            "{:>3} {} {:>20} {:>7}  {}",
            i + 1,
            address,
            token_amount(holder.balance(), decimals, 0),
            share(holder.balance()),
            who.join(", ")
        )));
        if holder.differs() {
            out.push(Line::styled(
                format!(
                    "      replayed {} ≠ balanceOf: the index misses a Transfer of it",
                    token_amount(holder.replayed, decimals, 4)
                ),
                theme::bad(),
            ));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        "Transfers per month (count · volume)",
        theme::header(),
    ));
    let most = h.activity.iter().map(|m| m.transfers).max().unwrap_or(0);
    let bar_width = usize::from(width).saturating_sub(40).clamp(8, 60);
    if h.activity.is_empty() {
        out.push(Line::styled(
            "— none with a known block time yet",
            theme::dim(),
        ));
    }
    for m in &h.activity {
        // A month with a Transfer always shows a bar: never drawn as none.
        let filled = if most == 0 {
            0
        } else {
            ((m.transfers as f64 / most as f64) * bar_width as f64).ceil() as usize
        };
        out.push(Line::from(vec![
            Span::raw(format!("{:04}-{:02} ", m.year, m.month)),
            Span::styled(
                format!("{:<bar_width$}", "█".repeat(filled.max(1))),
                theme::ok(),
            ),
            Span::raw(format!(
                " {:>5} · {}",
                m.transfers,
                token_amount(m.volume, decimals, 0)
            )),
        ]));
    }
    if h.activity_missing > 0 {
        out.push(Line::styled(
            format!(
                "{} Transfer(s) not in the chart yet: their block times are being read",
                h.activity_missing
            ),
            theme::dim(),
        ));
    }

    out
}
