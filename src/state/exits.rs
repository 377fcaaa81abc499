//! Pools and what a sale would fetch: gross quotes per pool, the best exit net of gas, and the
//! portfolio's exit. Amounts are integers (wei, raw POP); percentages are display figures.

use std::fmt;

use alloy::primitives::{Address, I256, U256};

/// Where POP can be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Venue {
    UniswapV1,
    UniswapV2,
    Sushiswap,
    UniswapV3,
}

impl Venue {
    pub const ALL: [Venue; 4] = [
        Venue::UniswapV1,
        Venue::UniswapV2,
        Venue::Sushiswap,
        Venue::UniswapV3,
    ];

    /// The stable name of PRODUCT.md (`uniswap_v1`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Venue::UniswapV1 => "uniswap_v1",
            Venue::UniswapV2 => "uniswap_v2",
            Venue::Sushiswap => "sushiswap",
            Venue::UniswapV3 => "uniswap_v3",
        }
    }

    /// A short name for people.
    pub fn label(self) -> &'static str {
        match self {
            Venue::UniswapV1 => "Uniswap V1",
            Venue::UniswapV2 => "Uniswap V2",
            Venue::Sushiswap => "SushiSwap",
            Venue::UniswapV3 => "Uniswap V3",
        }
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One POP/WETH (or POP/ETH) pool and its state at the refresh's block.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolState {
    pub venue: Venue,
    pub address: Address,
    /// Fee in millionths (3000 = 0.3%).
    pub fee_ppm: u32,
    pub pop_reserve_raw: U256,
    pub weth_reserve_wei: U256,
    /// WETH (wei) per raw POP unit before any trade.
    pub spot_weth_per_pop: f64,
    /// Quotes for a ladder of sizes (1k, 100k, 1M, 10M POP and each wallet's balance).
    pub ladder: Vec<LadderPoint>,
    /// The largest amount sellable within each impact threshold (percent), exact to 1 POP;
    /// `None` when even 1 POP exceeds it.
    pub sellable_within: Vec<(f64, Option<U256>)>,
}

/// One rung of a pool's ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct LadderPoint {
    pub pop_raw: U256,
    pub eth_out_wei: Option<U256>,
    pub price_impact_pct: Option<f64>,
}

/// Selling a wallet's whole balance in one pool alone (gross, before gas). `eth_out_wei` is
/// `None` with an `error` when the pool cannot take the amount (never a partial fill shown as
/// a full quote).
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub venue: Venue,
    pub pool: Address,
    pub eth_out_wei: Option<U256>,
    pub price_impact_pct: Option<f64>,
    pub error: Option<String>,
}

/// One leg of an exit: an amount sold in one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    pub venue: Venue,
    pub pool: Address,
    pub pop_raw: U256,
    pub eth_out_wei: U256,
    /// The seller's allowance to the venue's spender is short (or unread): the leg sends an
    /// `approve` first, and its gas is counted.
    pub needs_approve: bool,
}

/// The best way out: the legs with the most ETH net of gas (gross ETH when the gas price is
/// unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    pub legs: Vec<Leg>,
    /// Gross ETH of every leg.
    pub eth_out_wei: U256,
    /// Gas of every leg (approve + swap) at the refresh's gas price; `None` when the gas
    /// price is unknown (never 0: a sale always costs gas).
    pub gas_cost_wei: Option<U256>,
    /// The gas units of every leg together.
    pub gas_units: u64,
    pub price_impact_pct: f64,
}

impl Exit {
    /// Gross minus gas; negative when selling costs more than it brings; `None` when the gas
    /// price is unknown.
    pub fn net_eth_wei(&self) -> Option<I256> {
        let gas = self.gas_cost_wei?;
        Some(I256::from_raw(self.eth_out_wei) - I256::from_raw(gas))
    }

    /// The venue's name, or `split` when the legs use more than one pool.
    pub fn venue_name(&self) -> &'static str {
        match self.legs.as_slice() {
            [one] => one.venue.as_str(),
            _ => "split",
        }
    }
}

/// One wallet's part of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Sale {
    pub wallet: Address,
    pub exit: Exit,
}

/// A move of POP into the consolidating wallet.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub from: Address,
    pub pop_raw: U256,
    pub gas_units: u64,
}

/// A wallet the plan does not sell from, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Excluded {
    pub wallet: Address,
    pub reason: String,
}

/// How the POP leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// Each wallet sells its own POP, in the order listed.
    EachWalletSells,
    /// Every wallet first transfers its POP to one, which then sells it all.
    ConsolidateThenSell { into: Address },
}

impl PlanKind {
    /// The stable name in `snapshot --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::EachWalletSells => "each_wallet_sells",
            PlanKind::ConsolidateThenSell { .. } => "consolidate_then_sell",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioPlan {
    pub kind: PlanKind,
    /// Transfers first (consolidation only), then the sales, in order.
    pub transfers: Vec<Transfer>,
    pub sales: Vec<Sale>,
    pub excluded: Vec<Excluded>,
    /// The whole plan as one exit: every leg, the gross, the gas of every transaction (the
    /// transfers' included), the impact against the pools' prices before the first sale.
    pub exit: Exit,
    /// Consolidating first, where that nets more than each wallet selling its own.
    pub alternative: Option<Box<PortfolioPlan>>,
}

/// Exits of every wallet and of the portfolio, with the pools they were computed from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExitReading {
    pub block: u64,
    /// `None` when the node's gas price was unknown (or implausible).
    pub gas_price_wei: Option<U256>,
    pub pools: Vec<PoolState>,
    pub wallets: Vec<WalletExit>,
    /// The portfolio plan's whole exit (`portfolio_plan.exit`), where there is a plan.
    pub portfolio_exit: Option<Exit>,
    pub portfolio_plan: Option<PortfolioPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WalletExit {
    pub address: Address,
    pub quotes: Vec<Quote>,
    pub exit: Option<Exit>,
    /// The sale of the whole balance through its exit, simulated from the wallet.
    pub sell_check: Option<SellCheck>,
}

/// The outcome of a simulated sale from the wallet (`eth_call` with an allowance override).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellCheck {
    pub outcome: SellOutcome,
    /// What happened, with the figures (and the way out, where there is one).
    pub detail: String,
}

/// What a sell check found. Only `Fails` accuses the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SellOutcome {
    /// The whole balance sells through its exit in simulation.
    Sells,
    /// The token is at fault: a sale with a non-zero quote reverts, or receives less than
    /// quoted, from a wallet that can receive the proceeds.
    Fails,
    /// The balance is too small to sell: its best quote rounds to nothing (information, with
    /// the smallest amount that returns something).
    TooSmall,
    /// The wallet cannot receive the venue's ETH (a contract wallet; V1 pays with a
    /// 2,300-gas stipend): the wallet's limit, with a way out, not the token's fault.
    CannotReceive,
    /// Not checked: no router at the configured address, a node error, a failed probe.
    /// Tried again at a later refresh.
    NotEvaluated,
}

impl SellOutcome {
    /// The stable name in `snapshot --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SellOutcome::Sells => "sells",
            SellOutcome::Fails => "fails",
            SellOutcome::TooSmall => "too_small",
            SellOutcome::CannotReceive => "cannot_receive",
            SellOutcome::NotEvaluated => "not_evaluated",
        }
    }
}

impl SellCheck {
    pub fn new(outcome: SellOutcome, detail: impl Into<String>) -> Self {
        Self {
            outcome,
            detail: detail.into(),
        }
    }

    /// Whether the whole balance sells: `None` when that was not evaluated.
    pub fn ok(&self) -> Option<bool> {
        match self.outcome {
            SellOutcome::Sells => Some(true),
            SellOutcome::NotEvaluated => None,
            _ => Some(false),
        }
    }
}
