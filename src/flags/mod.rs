//! Red flags: pure functions from the app state to warnings. (The rules come with the flags
//! issue; the disagreement table they and the market view share is here.)

use crate::market::disagreement::{Disagreement, compare};
use crate::state::{AppState, SourceName};

const MARKET: [SourceName; 3] = [
    SourceName::Coingecko,
    SourceName::Coinpaprika,
    SourceName::Dexscreener,
];

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
