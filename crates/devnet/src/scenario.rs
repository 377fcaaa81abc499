//! What a devnet holds: a scenario is data (presets plus overrides), so each test asks for
//! exactly what it needs.

use alloy::primitives::{Address, U256, keccak256};

/// Market depth presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// Like POP today: every pool worth a few thousand dollars, a whale that cannot exit.
    #[default]
    Thin,
    /// The factories exist but no POP pool does.
    NoPools,
    /// Pools deep enough that no watched wallet moves the price much.
    Deep,
}

impl Preset {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "thin" => Some(Preset::Thin),
            "no_pools" => Some(Preset::NoPools),
            "deep" => Some(Preset::Deep),
            _ => None,
        }
    }
    pub const NAMES: &'static str = "thin, no_pools, deep";
}

/// The ETH each venue's POP/WETH pool holds; zero means no pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolPlan {
    pub uniswap_v1_eth: U256,
    pub uniswap_v2_eth: U256,
    pub sushiswap_eth: U256,
    /// (fee in hundredths of a bip, ETH) per Uniswap V3 pool.
    pub uniswap_v3: Vec<(u32, U256)>,
    /// Each V3 pool holds one position over [p/4, 1.21·p] of POP's price p instead of two
    /// centred on it: its token balances then say a price about 5× off its `slot0` one.
    pub v3_lopsided: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub preset: Preset,
    /// Watched holders, at least 5 (whale, dust, empty, no-ETH, approver), up to 10,000.
    pub wallets: usize,
    pub token_name: String,
    pub token_symbol: String,
    pub token_decimals: u8,
    /// Whole tokens.
    pub token_supply: u64,
    /// A fee on every transfer between holders, in basis points (0: a plain token). A fee
    /// token cannot seed V3 pools (they check what they receive): give it a plan without V3.
    pub token_fee_bps: u32,
    /// Whole POP per ETH in every pool (sets the POP price with `eth_usd`).
    pub pop_per_eth: u64,
    /// ETH/USD answer of the feed, 8 decimals (Chainlink's ETH/USD format).
    pub eth_usd_8dec: i64,
    pub pools: PoolPlan,
    /// Whole POP of the whale; the other wallets are sized from it.
    pub whale_pop: u64,
    /// The first block's number: a realistic mainnet height.
    pub start_block: u64,
    /// How far back the Transfer history begins.
    pub history_days: u64,
    /// POP sorts before WETH, so it is token0 of every pool, as on mainnet (POP `0x5d85…`,
    /// WETH `0xC02a…`); by default it sorts after (token1). Tests run both orders.
    pub pop_is_token0: bool,
    /// Deploy the ENS registry and a public resolver (from npm) and name some wallets: off by
    /// default, so the other scenarios' blocks and addresses stay as they are.
    pub ens: bool,
}

const ETH: u64 = 1_000_000_000_000_000_000;

fn milli_eth(m: u64) -> U256 {
    U256::from(m) * U256::from(ETH / 1000)
}

impl Scenario {
    pub fn preset(preset: Preset) -> Self {
        let base = Scenario {
            preset,
            wallets: 5,
            token_name: "POP Network Token".to_owned(),
            token_symbol: "POP".to_owned(),
            token_decimals: 18,
            token_supply: 1_600_000_000,
            token_fee_bps: 0,
            // $0.00001 a POP at $3,000 an ETH: a market cap of $16,000, as POP's.
            pop_per_eth: 300_000_000,
            eth_usd_8dec: 3_000 * 100_000_000,
            pools: PoolPlan {
                uniswap_v1_eth: milli_eth(500),
                uniswap_v2_eth: milli_eth(1000),
                sushiswap_eth: milli_eth(250),
                uniswap_v3: vec![(3000, milli_eth(500)), (10000, milli_eth(250))],
                v3_lopsided: false,
            },
            whale_pop: 200_000_000,
            start_block: 21_000_000,
            history_days: 60,
            pop_is_token0: false,
            ens: false,
        };
        match preset {
            Preset::Thin => base,
            Preset::NoPools => Scenario {
                pools: PoolPlan {
                    uniswap_v1_eth: U256::ZERO,
                    uniswap_v2_eth: U256::ZERO,
                    sushiswap_eth: U256::ZERO,
                    uniswap_v3: Vec::new(),
                    v3_lopsided: false,
                },
                ..base
            },
            Preset::Deep => Scenario {
                // $0.01 a POP, pools of hundreds of ETH, a whale of 2M POP.
                pop_per_eth: 300_000,
                pools: PoolPlan {
                    uniswap_v1_eth: milli_eth(100_000),
                    uniswap_v2_eth: milli_eth(200_000),
                    sushiswap_eth: milli_eth(50_000),
                    uniswap_v3: vec![(3000, milli_eth(100_000)), (10000, milli_eth(50_000))],
                    v3_lopsided: false,
                },
                whale_pop: 2_000_000,
                ..base
            },
        }
    }

    pub fn with_wallets(mut self, wallets: usize) -> Self {
        self.wallets = wallets;
        self
    }

    /// One whole token in raw units.
    pub fn unit(&self) -> U256 {
        U256::from(10u64).pow(U256::from(self.token_decimals))
    }

    pub fn supply_raw(&self) -> U256 {
        U256::from(self.token_supply) * self.unit()
    }

    /// The raw POP a pool holding `eth` wei gets at the scenario's price.
    pub fn pop_for_eth(&self, eth: U256) -> U256 {
        eth * U256::from(self.pop_per_eth) * self.unit() / U256::from(ETH)
    }

    /// The holders: who they are and what they hold after the history has played out.
    pub fn wallet_plan(&self) -> Vec<PlannedWallet> {
        let unit = self.unit();
        let whale = U256::from(self.whale_pop) * unit;
        let mut plan = vec![
            PlannedWallet::new(0, "Whale", whale, milli_eth(2000), Role::Whale),
            // Half a POP: its exit is worth less than the gas of selling it.
            PlannedWallet::new(1, "Dust", unit / U256::from(2), milli_eth(10), Role::Dust),
            PlannedWallet::new(2, "Empty", U256::ZERO, milli_eth(50), Role::Empty),
            PlannedWallet::new(3, "No gas", whale / U256::from(20), U256::ZERO, Role::NoEth),
            PlannedWallet::new(
                4,
                "Approver",
                whale / U256::from(10),
                milli_eth(200),
                Role::Approver,
            ),
        ];
        let mut rng = SplitMix(0x5EED_0F90_19AB);
        for i in 5..self.wallets.max(5) {
            // 1,000 to 50,000 whole POP and 0 to 1 ETH, deterministic per index.
            let pop = U256::from(1_000 + rng.next() % 49_001) * unit;
            let eth = milli_eth(rng.next() % 1_001);
            plan.push(PlannedWallet::new(
                i,
                &format!("Holder {i}"),
                pop,
                eth,
                Role::Holder,
            ));
        }
        plan.truncate(self.wallets.max(5));
        plan
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario::preset(Preset::Thin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Whale,
    Dust,
    Empty,
    /// Holds POP but no ETH to pay for a sale.
    NoEth,
    /// Has an open POP approval to the Uniswap V2 router.
    Approver,
    Holder,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWallet {
    pub label: String,
    pub address: Address,
    /// Final balances, after the history's transfers.
    pub pop_raw: U256,
    pub eth_wei: U256,
    pub role: Role,
}

impl PlannedWallet {
    fn new(index: usize, label: &str, pop_raw: U256, eth_wei: U256, role: Role) -> Self {
        Self {
            label: label.to_owned(),
            address: wallet_address(index),
            pop_raw,
            eth_wei,
            role,
        }
    }
}

/// A fixed, keyless address per wallet index (anvil impersonates it to send from it).
pub fn wallet_address(index: usize) -> Address {
    Address::from_slice(&keccak256(format!("popwatch devnet wallet {index}"))[12..])
}

/// A tiny deterministic generator (SplitMix64), so a scenario is the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
