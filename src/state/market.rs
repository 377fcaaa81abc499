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
    /// The Ethereum contract the provider lists for the coin it resolved.
    pub contract: ListedContract,
    /// The provider's id of the coin (resolved by contract, or pinned), its name and symbol.
    pub provider_id: Option<String>,
    pub coin_name: Option<String>,
    pub coin_symbol: Option<String>,
    /// Commits in the last 4 weeks, where the provider reports development activity.
    pub dev_commits_4_weeks: Option<f64>,
    /// Whether the provider lists any code repository for the project.
    pub has_repository: Option<bool>,
    /// DexScreener: the pool liquidity it reports, summed over the token's pairs.
    pub liquidity_usd: Option<f64>,
    /// When popwatch received these figures.
    pub fetched_at: Option<OffsetDateTime>,
    /// When the provider last updated them (its `last_updated`), never after `fetched_at`;
    /// `None` where it does not say (DexScreener).
    pub as_of: Option<OffsetDateTime>,
}

impl MarketQuote {
    /// The older of when the figures were fetched and when the provider last updated them:
    /// their age.
    pub fn observed_at(&self) -> Option<OffsetDateTime> {
        match (self.fetched_at, self.as_of) {
            (Some(fetched), Some(as_of)) => Some(fetched.min(as_of)),
            (fetched, as_of) => fetched.or(as_of),
        }
    }

    /// True when the provider lists a contract other than `token` for the coin it resolved:
    /// its figures are another coin's.
    pub fn lists_another_contract(&self, token: alloy::primitives::Address) -> bool {
        matches!(&self.contract, ListedContract::Listed(listed) if !listed.eq_ignore_ascii_case(&format!("{token:#x}")))
    }
}

/// What a provider says about the coin's Ethereum contract.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ListedContract {
    /// Not read: the provider does not say, or the lookup failed.
    #[default]
    Unknown,
    /// The provider lists no Ethereum contract for the coin.
    NotListed,
    Listed(String),
}

impl ListedContract {
    pub fn address(&self) -> Option<&str> {
        match self {
            ListedContract::Listed(a) => Some(a),
            _ => None,
        }
    }

    /// `listed`, `not_listed` or `unknown` (JSON).
    pub fn status(&self) -> &'static str {
        match self {
            ListedContract::Unknown => "unknown",
            ListedContract::NotListed => "not_listed",
            ListedContract::Listed(_) => "listed",
        }
    }
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
