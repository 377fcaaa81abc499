//! Market figures of one provider, every one optional: providers omit fields, write nulls,
//! and disagree. Unknown stays unknown.

use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MarketQuote {
    pub price_usd: Option<f64>,
    pub market_cap_usd: Option<f64>,
    pub fdv_usd: Option<f64>,
    pub volume_24h_usd: Option<f64>,
    pub change_24h_pct: Option<f64>,
    pub circulating_supply: Option<f64>,
    pub total_supply: Option<f64>,
    pub ath_usd: Option<f64>,
    pub ath_change_pct: Option<f64>,
    pub rank: Option<u32>,
    /// The token contract the provider lists for the coin.
    pub contract_address: Option<String>,
    pub fetched_at: Option<OffsetDateTime>,
}
