//! Red flags: every rule of PRODUCT.md as a pure function from the app state to warnings, each
//! with its severity, a title, a detail with the numbers, its subject, and its evidence (every
//! figure used, with its source and observed time). A rule whose inputs are unknown raises
//! nothing and is listed as not evaluated, with the missing source named.
//!
//! Hysteresis: a raised flag whose figure hovers at its threshold does not flicker. Once
//! raised, a "below the minimum" flag clears only when the figure is 5% above the minimum, and
//! an "above the maximum" flag only when it is 5% below the maximum.

mod rule_id;
mod rules;

use serde::Serialize;
use time::OffsetDateTime;

use crate::sources::market::disagreement::{Disagreement, compare};
use crate::state::AppState;

pub use crate::state::figures::looks_like;
pub use rule_id::RuleId;

/// The margin of the hysteresis, as a fraction of the threshold.
pub const HYSTERESIS: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub source: String,
    pub figure: String,
    pub value: String,
    /// When the figure was observed (RFC 3339 on the way out).
    #[serde(serialize_with = "crate::format::serialize_rfc3339_opt")]
    pub observed_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub kind: &'static str,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub id: RuleId,
    pub severity: Severity,
    pub title: String,
    pub detail: String,
    pub subject: Option<Subject>,
    pub evidence: Vec<Evidence>,
}

/// A rule that could not be evaluated, and what it lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotEvaluated {
    pub id: RuleId,
    pub missing: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flags {
    /// Most severe first, then by id and subject.
    pub raised: Vec<Warning>,
    pub not_evaluated: Vec<NotEvaluated>,
}

impl Flags {
    /// Whether `id` was raised for `subject` (for hysteresis).
    pub fn was_raised(&self, id: RuleId, subject: Option<&str>) -> bool {
        self.raised
            .iter()
            .any(|w| w.id == id && w.subject.as_ref().map(|s| s.id.as_str()) == subject)
    }
}

/// Evaluates every rule at `now`; `previous` gives the hysteresis its memory.
pub fn evaluate(state: &AppState, now: OffsetDateTime, previous: Option<&Flags>) -> Flags {
    let empty = Flags::default();
    let mut flags = rules::all(state, now, previous.unwrap_or(&empty));
    flags.raised.sort_by(|a, b| {
        (a.severity, a.id, a.subject.as_ref().map(|s| s.id.clone())).cmp(&(
            b.severity,
            b.id,
            b.subject.as_ref().map(|s| s.id.clone()),
        ))
    });
    flags.not_evaluated.sort_by_key(|n| n.id);
    flags
}

use crate::state::figures::MARKET_SOURCES as MARKET;

/// Price, market cap, circulating and total supply across the market sources, with the
/// on-chain values (pool spot price, `totalSupply`) where the chain provides them.
pub fn disagreements(state: &AppState) -> Vec<Disagreement> {
    let per_source =
        |f: fn(&crate::state::market::MarketQuote) -> Option<f64>| -> Vec<(String, f64)> {
            MARKET
                .iter()
                .filter_map(|s| Some((s.as_str().to_owned(), f(state.market.get(s)?)?)))
                .collect()
        };
    let mut price = per_source(|q| q.price_usd);
    if let Some(p) = state.onchain_price_usd() {
        price.push(("onchain".to_owned(), p));
    }
    let mut total = per_source(|q| q.total_supply);
    if let (Some(raw), Some(decimals)) = (state.token.total_supply_raw, state.token.decimals) {
        total.push((
            "onchain".to_owned(),
            f64::from(raw) / 10f64.powi(i32::from(decimals)),
        ));
    }
    vec![
        compare("price_usd", price, 0.2),
        compare("market_cap_usd", per_source(|q| q.market_cap_usd), 0.2),
        compare(
            "circulating_supply",
            per_source(|q| q.circulating_supply),
            0.01,
        ),
        compare("total_supply", total, 0.01),
    ]
}
