//! The selected wallet in full (`Enter`; `Esc` goes back).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::text::{MASK, UNKNOWN, safe};
use super::theme;
use crate::format::{pct, signed_eth, token_amount, usd};
use crate::state::WalletState;
use crate::tui::App;

pub struct WalletDetail<'a>(pub &'a App);

impl Widget for WalletDetail<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.0;
        let Some(w) = app.selected_wallet() else {
            return;
        };
        let masked = app.view.privacy;
        let decimals = crate::state::figures::decimals(app.state());
        let hide = |text: String| if masked { MASK.to_owned() } else { text };
        let field = |name: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{name:>12}  "), theme::title()),
                Span::raw(value),
            ])
        };
        let mut lines = vec![
            field("address", w.address.to_checksum(None)),
            field(
                "ENS name",
                hide(
                    w.ens_name
                        .as_deref()
                        .map(|n| format!("{} (its reverse record, resolving back to it)", safe(n)))
                        .unwrap_or_else(|| UNKNOWN.into()),
                ),
            ),
            field(
                "POP",
                hide(
                    w.pop_raw
                        .map(|p| token_amount(p, decimals, usize::from(decimals)))
                        .unwrap_or_else(|| UNKNOWN.into()),
                ),
            ),
            field(
                "ETH",
                hide(
                    w.eth_wei
                        .map(|e| token_amount(e, 18, 18))
                        .unwrap_or_else(|| UNKNOWN.into()),
                ),
            ),
            field(
                "paper value",
                hide(
                    app.state()
                        .paper_value(w)
                        .map(|(v, source)| format!("{} (price from {source})", usd(v)))
                        .unwrap_or_else(|| UNKNOWN.into()),
                ),
            ),
            Line::raw(""),
            Line::styled(
                "Quotes for the whole balance, each pool alone (gross, before gas)",
                theme::header(),
            ),
        ];
        // The lines showing an address `y` can copy.
        let mut targets: Vec<super::text::AddressLine> = vec![(0, w.address, "wallet")];
        if w.quotes.is_empty() {
            lines.push(Line::styled("  none: no pool, or no POP", theme::dim()));
        }
        for q in &w.quotes {
            targets.push((lines.len(), q.pool, "pool"));
            lines.push(Line::raw(match (q.eth_out_wei, q.price_impact_pct) {
                (Some(out), Some(impact)) => format!(
                    "  {:<11} {}  {} ETH  impact {}",
                    q.venue.label(),
                    q.pool.to_checksum(None),
                    hide(token_amount(out, 18, 6)),
                    pct(impact)
                ),
                _ => format!(
                    "  {:<11} {}  {}",
                    q.venue.label(),
                    q.pool.to_checksum(None),
                    safe(q.error.as_deref().unwrap_or("no quote"))
                ),
            }));
        }
        lines.push(Line::raw(""));
        lines.extend(exit_lines(app, w));
        lines.push(Line::raw(""));
        match &w.history {
            Some(h) => {
                lines.push(Line::styled(
                    "Recent transfers (newest first)",
                    theme::header(),
                ));
                // The transfers the address_poisoning rule accuses, and only those.
                let watched: Vec<alloy::primitives::Address> =
                    app.state().wallets.iter().map(|x| x.address).collect();
                let lookalikes = crate::state::figures::lookalikes(w.address, h, &watched);
                for t in h.transfers.iter().rev().take(6) {
                    let incoming = t.to == w.address;
                    let other = if incoming { t.from } else { t.to };
                    let lookalike = lookalikes
                        .iter()
                        .any(|l| l.tx == t.tx && l.log_index == t.log_index);
                    let when = t
                        .time
                        .map(|at| {
                            format!("{} ago", crate::format::age((app.now - at).whole_seconds()))
                        })
                        .unwrap_or_else(|| "time unknown".into());
                    let spoof = match t.tx_sender {
                        Some(sender) if t.amount.is_zero() && sender != w.address && !incoming => {
                            format!("  sent by {} (not this wallet)", sender.to_checksum(None))
                        }
                        _ => String::new(),
                    };
                    // Its reverse name, verified forward, hidden by the privacy mask.
                    let name = app
                        .state()
                        .counterparty_names
                        .get(&other)
                        .map(|n| format!(" ({})", hide(safe(n))))
                        .unwrap_or_default();
                    let text = format!(
                        "  {} {} POP {} {}{name}  {when}  tx {}{spoof}",
                        if incoming { "IN " } else { "OUT" },
                        hide(token_amount(t.amount, decimals, 2)),
                        if incoming { "from" } else { "to" },
                        other.to_checksum(None),
                        &t.tx.to_string()[..12],
                    );
                    targets.push((lines.len(), other, "counterparty"));
                    lines.push(if lookalike || !spoof.is_empty() {
                        Line::styled(format!("{text}  LOOKALIKE"), theme::bad())
                    } else {
                        Line::raw(text)
                    });
                }
                if h.transfers.is_empty() {
                    lines.push(Line::styled("  none in the scanned window", theme::dim()));
                }
                lines.push(Line::styled("Open approvals", theme::header()));
                if h.approvals.is_empty() {
                    lines.push(Line::styled("  none", theme::dim()));
                }
                for (spender, allowance) in &h.approvals {
                    targets.push((lines.len(), *spender, "spender"));
                    lines.push(Line::styled(
                        format!(
                            "  {} may spend {} POP",
                            spender.to_checksum(None),
                            token_amount(*allowance, decimals, 2)
                        ),
                        theme::warn(),
                    ));
                }
            }
            None => lines.push(Line::styled("Transfers: not scanned yet", theme::dim())),
        }
        lines.push(Line::raw(""));
        let link = if app.state().chain_id == 1 {
            format!(
                "https://etherscan.io/address/{}",
                w.address.to_checksum(None)
            )
        } else {
            format!("(chain {}: no Etherscan page)", app.state().chain_id)
        };
        lines.push(field("Etherscan", link));
        lines.push(Line::styled(
            "Esc: back · y copies the marked address (scroll to mark another)",
            theme::dim(),
        ));

        let popup = area;
        super::text::mark_copy_target(
            &mut lines,
            &targets,
            popup.width.saturating_sub(2),
            &app.view.overlay_scroll,
            &app.view,
        );
        Clear.render(popup, buf);
        super::text::render_scrolled(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            Block::new()
                .borders(Borders::ALL)
                .title(format!(" {} ", safe(&w.label))),
            &app.view.overlay_scroll,
            popup,
            buf,
        );
    }
}

/// A wallet's best exit (its legs, gross, gas, net and impact) and its sell check: in the
/// detail, and below the wallets table when there is room.
pub(super) fn exit_lines(app: &App, w: &WalletState) -> Vec<Line<'static>> {
    let masked = app.view.privacy;
    let decimals = crate::state::figures::decimals(app.state());
    let hide = |text: String| if masked { MASK.to_owned() } else { text };
    let mut lines = Vec::new();
    match &w.exit {
        Some(exit) => {
            lines.push(Line::styled(
                format!("Best exit: {}", exit.venue_name()),
                theme::header(),
            ));
            for leg in &exit.legs {
                lines.push(Line::raw(format!(
                    "  {:<11} sell {} POP → {} ETH",
                    leg.venue.label(),
                    hide(token_amount(leg.pop_raw, decimals, 2)),
                    hide(token_amount(leg.eth_out_wei, 18, 6))
                )));
            }
            let net = exit.net_eth_wei();
            lines.push(Line::raw(format!(
                "  gross {} ETH − gas {} ETH = net {} ETH ({})  impact {}",
                hide(token_amount(exit.eth_out_wei, 18, 6)),
                exit.gas_cost_wei
                    .map(|g| token_amount(g, 18, 6))
                    .unwrap_or_else(|| UNKNOWN.into()),
                hide(net.map(signed_eth).unwrap_or_else(|| UNKNOWN.into())),
                hide(
                    net.and_then(|n| app.state().wei_usd(n))
                        .map(usd)
                        .unwrap_or_else(|| UNKNOWN.into())
                ),
                pct(exit.price_impact_pct)
            )));
        }
        None => lines.push(Line::styled(
            "No exit: no POP, or no pool to sell into.",
            theme::dim(),
        )),
    }
    match &w.sell_check {
        Some(check) => {
            use crate::state::exits::SellOutcome;
            let (what, style) = match check.outcome {
                SellOutcome::Sells => ("sell check", theme::ok()),
                SellOutcome::Fails => ("sell check FAILED", theme::bad()),
                SellOutcome::TooSmall => ("sell check: too small to sell", theme::dim()),
                SellOutcome::CannotReceive => {
                    ("sell check: this wallet cannot receive", theme::warn())
                }
                SellOutcome::NotEvaluated => ("sell check not evaluated", theme::dim()),
            };
            lines.push(Line::styled(
                format!("  {what}: {}", safe(&check.detail)),
                style,
            ));
        }
        None => lines.push(Line::styled("  sell check: not run", theme::dim())),
    }
    lines
}
