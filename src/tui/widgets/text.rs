//! Helpers that turn figures into cells: unknown stays "—", privacy masks, sanitized text.

use crate::format::sanitize;

/// Shown for a figure that is not known.
pub const UNKNOWN: &str = "—";
/// Shown instead of a private figure.
pub const MASK: &str = "•••";

/// Untrusted text made safe, as every widget must show it.
pub fn safe(text: &str) -> String {
    sanitize(text)
}

pub fn or_unknown(value: Option<String>) -> String {
    value.unwrap_or_else(|| UNKNOWN.to_owned())
}

pub fn private(masked: bool, value: Option<String>) -> String {
    if masked {
        MASK.to_owned()
    } else {
        or_unknown(value)
    }
}

/// Cuts text to `width` characters with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Renders `paragraph` inside `block`, scrolled down by the view's scroll (clamped to its
/// end), and, when it does not fit, says which lines are shown and how to move in the block's
/// bottom border: nothing is clipped without a sign. Tells the app how far it can scroll.
pub fn render_scrolled(
    paragraph: ratatui::widgets::Paragraph<'_>,
    block: ratatui::widgets::Block<'_>,
    scroll: &crate::tui::Scroll,
    area: ratatui::layout::Rect,
    buf: &mut ratatui::buffer::Buffer,
) {
    use ratatui::widgets::Widget;
    let inner = block.inner(area);
    let total = u16::try_from(paragraph.line_count(inner.width)).unwrap_or(u16::MAX);
    let max = total.saturating_sub(inner.height);
    scroll.set_max(max);
    let top = scroll.offset().min(max);
    let block = if max > 0 {
        let last = top.saturating_add(inner.height).min(total);
        block.title_bottom(ratatui::text::Line::styled(
            format!(" lines {}–{last} of {total} · j/k PgUp/PgDn g/G ", top + 1),
            super::theme::dim(),
        ))
    } else {
        block
    };
    paragraph.scroll((top, 0)).block(block).render(area, buf);
}

/// A line of a scrolled list that shows an address `y` can copy: its index and what it is.
pub type AddressLine = (usize, alloy::primitives::Address, &'static str);

/// Marks the first of `targets` that starts at or below the top of the scrolled view (else the
/// last one above it) as the one `y` copies, and tells the app which it is. Scrolling moves the
/// mark from address to address. `width`: the paragraph's inner width, for wrapped lines.
pub fn mark_copy_target(
    lines: &mut [ratatui::text::Line<'_>],
    targets: &[AddressLine],
    width: u16,
    scroll: &crate::tui::Scroll,
    view: &crate::tui::ViewState,
) {
    // The row each line starts on, once wrapped.
    let mut starts = Vec::with_capacity(lines.len());
    let mut row = 0usize;
    for line in lines.iter() {
        starts.push(row);
        row += ratatui::widgets::Paragraph::new(line.clone())
            .wrap(ratatui::widgets::Wrap { trim: false })
            .line_count(width)
            .max(1);
    }
    let top = usize::from(scroll.offset());
    let chosen = targets
        .iter()
        .find(|(i, _, _)| starts.get(*i).is_some_and(|s| *s >= top))
        .or(targets.last());
    if let Some(&(i, address, what)) = chosen {
        if let Some(line) = lines.get_mut(i) {
            line.style = super::theme::selected();
        }
        view.copy_target.set(Some((address, what)));
    }
}
