//! Every rule's stable id: scripts and tests match on its name, which never changes.

use serde::{Serialize, Serializer};

/// A red-flag rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleId {
    NoPool,
    ThinLiquidity,
    HighPriceImpact,
    ExitBelowGas,
    NoGas,
    CannotSell,
    OpenApproval,
    LowVolume,
    SupplyMismatch,
    DeepDrawdown,
    TinyMarketCap,
    NoMajorListing,
    DormantContract,
    NoDevelopment,
    PriceDivergence,
    ContractMismatch,
    AddressPoisoning,
    SourceFailing,
    WrongChain,
    ConcentratedSupply,
    FewHolders,
}

impl RuleId {
    /// Every rule, in PRODUCT.md's order.
    pub const ALL: [RuleId; 21] = [
        RuleId::NoPool,
        RuleId::ThinLiquidity,
        RuleId::HighPriceImpact,
        RuleId::ExitBelowGas,
        RuleId::NoGas,
        RuleId::CannotSell,
        RuleId::OpenApproval,
        RuleId::LowVolume,
        RuleId::SupplyMismatch,
        RuleId::DeepDrawdown,
        RuleId::TinyMarketCap,
        RuleId::NoMajorListing,
        RuleId::DormantContract,
        RuleId::NoDevelopment,
        RuleId::PriceDivergence,
        RuleId::ContractMismatch,
        RuleId::AddressPoisoning,
        RuleId::SourceFailing,
        RuleId::WrongChain,
        RuleId::ConcentratedSupply,
        RuleId::FewHolders,
    ];

    /// The stable name (`thin_liquidity`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::NoPool => "no_pool",
            RuleId::ThinLiquidity => "thin_liquidity",
            RuleId::HighPriceImpact => "high_price_impact",
            RuleId::ExitBelowGas => "exit_below_gas",
            RuleId::NoGas => "no_gas",
            RuleId::CannotSell => "cannot_sell",
            RuleId::OpenApproval => "open_approval",
            RuleId::LowVolume => "low_volume",
            RuleId::SupplyMismatch => "supply_mismatch",
            RuleId::DeepDrawdown => "deep_drawdown",
            RuleId::TinyMarketCap => "tiny_market_cap",
            RuleId::NoMajorListing => "no_major_listing",
            RuleId::DormantContract => "dormant_contract",
            RuleId::NoDevelopment => "no_development",
            RuleId::PriceDivergence => "price_divergence",
            RuleId::ContractMismatch => "contract_mismatch",
            RuleId::AddressPoisoning => "address_poisoning",
            RuleId::SourceFailing => "source_failing",
            RuleId::WrongChain => "wrong_chain",
            RuleId::ConcentratedSupply => "concentrated_supply",
            RuleId::FewHolders => "few_holders",
        }
    }
}

/// Flags of one severity are listed by their ids' names, as they always were.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(self.as_str())
    }
}

/// Scripts and tests name rules by their stable names.
impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
