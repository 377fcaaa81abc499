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
    /// The provider's id of the coin (resolved by contract, or pinned).
    pub provider_id: Option<String>,
    /// Commits in the last 4 weeks, where the provider reports development activity.
    pub dev_commits_4_weeks: Option<f64>,
    /// Whether the provider lists any code repository for the project.
    pub has_repository: Option<bool>,
    /// DexScreener: the pool liquidity it reports, summed over the token's pairs.
    pub liquidity_usd: Option<f64>,
    pub fetched_at: Option<OffsetDateTime>,
}

/// A peer coin beside POP (the article compares Theta and Audius).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Peer {
    pub id: String,
    pub symbol: Option<String>,
    pub price_usd: Option<f64>,
    pub market_cap_usd: Option<f64>,
    pub volume_24h_usd: Option<f64>,
    pub change_24h_pct: Option<f64>,
}

/// Where the coin trades: one exchange and pair, from a provider's tickers or pairs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MarketVenue {
    /// The provider's exchange id (`uniswap_v1`, `binance`, ...) or DEX id.
    pub exchange: String,
    pub pair: String,
    /// The pool's address where the provider gives one (DexScreener).
    pub address: Option<String>,
    pub volume_24h_usd: Option<f64>,
    pub last_traded_at: Option<OffsetDateTime>,
    pub is_stale: bool,
}
