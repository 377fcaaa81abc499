//! Who holds the token, as the chain shows it: the top holders with their roles, the supply
//! broken down by where it sits (adding up to `totalSupply` to the wei where the index is
//! complete), the holder count and concentration, and the Transfers of each month.

use alloy::primitives::{Address, U256};

/// The burn addresses: tokens sent there are still counted in `totalSupply`.
pub const DEAD: Address = alloy::primitives::address!("000000000000000000000000000000000000dEaD");

/// What an address is, from its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolderKind {
    Account,
    Contract,
    /// An account with an EIP-7702 delegation (code `0xef0100 ‖ target`): still an account,
    /// its key holder in control.
    DelegatedAccount {
        to: Address,
    },
    /// Its code was not read.
    Unknown,
}

impl HolderKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            HolderKind::Account => "account",
            HolderKind::Contract => "contract",
            HolderKind::DelegatedAccount { .. } => "delegated account",
            HolderKind::Unknown => "unknown",
        }
    }

    /// The kind `code` (an `eth_getCode` answer) makes.
    pub fn from_code(code: &[u8]) -> Self {
        match code {
            [] => HolderKind::Account,
            [0xef, 0x01, 0x00, rest @ ..] if rest.len() == 20 => HolderKind::DelegatedAccount {
                to: Address::from_slice(rest),
            },
            _ => HolderKind::Contract,
        }
    }
}

/// A role an address is known to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A pool of a venue (its name).
    Pool(String),
    TokenContract,
    Zero,
    Dead,
    InitialRecipient,
    /// A watched wallet (its label).
    Watched(String),
    /// A label the user gave in `[[labels]]`.
    Labelled(String),
}

impl Role {
    pub fn describe(&self) -> String {
        match self {
            Role::Pool(venue) => format!("{venue} pool"),
            Role::TokenContract => "the token contract".to_owned(),
            Role::Zero => "zero address (burnt)".to_owned(),
            Role::Dead => "dead address (burnt)".to_owned(),
            Role::InitialRecipient => "initial mint recipient".to_owned(),
            Role::Watched(label) => format!("watched: {label}"),
            Role::Labelled(label) => label.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub address: Address,
    /// Replayed from the index.
    pub replayed: U256,
    /// `balanceOf` at the block read; `None` where it was not read.
    pub chain: Option<U256>,
    pub kind: HolderKind,
    pub roles: Vec<Role>,
}

impl Holder {
    /// The chain's balance where read, else the replayed one.
    pub fn balance(&self) -> U256 {
        self.chain.unwrap_or(self.replayed)
    }

    /// Whether the replay and the chain disagree on its balance.
    pub fn differs(&self) -> bool {
        self.chain.is_some_and(|c| c != self.replayed)
    }
}

/// Where a part of the supply sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SupplyPart {
    /// Held by the zero or dead addresses: still in `totalSupply`.
    Burnt,
    TokenContract,
    Pools,
    InitialRecipient,
    /// Contracts among the holders whose code was read (the top holders), pools and the
    /// token aside.
    OtherContracts,
    /// The largest ten holders not counted above.
    Top10,
    Rest,
}

impl SupplyPart {
    pub const ALL: [SupplyPart; 7] = [
        SupplyPart::Burnt,
        SupplyPart::TokenContract,
        SupplyPart::Pools,
        SupplyPart::InitialRecipient,
        SupplyPart::OtherContracts,
        SupplyPart::Top10,
        SupplyPart::Rest,
    ];

    pub fn key(&self) -> &'static str {
        match self {
            SupplyPart::Burnt => "burnt",
            SupplyPart::TokenContract => "token_contract",
            SupplyPart::Pools => "pools",
            SupplyPart::InitialRecipient => "initial_recipient",
            SupplyPart::OtherContracts => "other_contracts",
            SupplyPart::Top10 => "top_10",
            SupplyPart::Rest => "rest",
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            SupplyPart::Burnt => "burnt (0x0, 0x…dEaD; still in totalSupply)",
            SupplyPart::TokenContract => "held by the token contract",
            SupplyPart::Pools => "in pools",
            SupplyPart::InitialRecipient => "with the initial mint recipient",
            SupplyPart::OtherContracts => "in other contracts",
            SupplyPart::Top10 => "in the top 10 (others)",
            SupplyPart::Rest => "the rest",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyLine {
    pub part: SupplyPart,
    pub amount: U256,
    /// Its addresses, largest first (the rest: none listed, only counted).
    pub addresses: Vec<Address>,
    pub holders: usize,
}

/// The Transfers of one calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthActivity {
    pub year: i32,
    pub month: u8,
    pub transfers: u64,
    pub volume: U256,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HoldersReading {
    /// The block the balances are of.
    pub block: u64,
    pub total_supply: U256,
    /// Whether the index is proven complete: otherwise every figure is the index's so far.
    pub complete: bool,
    /// Minted (Transfers from the zero address) less `totalSupply`, where the token destroyed
    /// some (complete index only).
    pub destroyed: Option<U256>,
    /// Every address with a balance, the burn addresses aside.
    pub holders: usize,
    pub dust_floor: U256,
    pub above_dust: usize,
    /// The top holders, largest first.
    pub top: Vec<Holder>,
    pub breakdown: Vec<SupplyLine>,
    /// Σ of the breakdown; `totalSupply` where the index is complete.
    pub accounted: U256,
    /// The share of the largest holder and of the ten largest, burn addresses aside.
    pub top1_share: Option<f64>,
    pub top10_share: Option<f64>,
    /// The ten largest holders with pools, burns and the token contract aside: their share
    /// (for `concentrated_supply`) and addresses.
    pub top10_excluding_pools_share: Option<f64>,
    pub top10_excluding_pools: Vec<Address>,
    /// The fewest holders that together hold more than half the supply (burn addresses
    /// aside): the concentration figure.
    pub holders_to_half: Option<usize>,
    pub activity: Vec<MonthActivity>,
    /// Transfers whose block time is not read yet (not in `activity`).
    pub activity_missing: u64,
}

impl HoldersReading {
    /// `raw` as a share of the supply (a fraction); `None` for a supply of 0.
    pub fn share(&self, raw: U256) -> Option<f64> {
        (!self.total_supply.is_zero()).then(|| ratio(raw, self.total_supply))
    }
}

/// `a / b` as a fraction, exact enough for a share (both scaled down together past f64's
/// integers).
pub fn ratio(a: U256, b: U256) -> f64 {
    let shift = b.bit_len().saturating_sub(64);
    let (a, b) = (a >> shift, b >> shift);
    f64::from(a) / f64::from(b)
}
