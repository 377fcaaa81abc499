//! A real local Ethereum for tests, benchmarks and people: anvil with the real Uniswap V2/V3
//! contracts from npm, Multicall3 from its presigned mainnet transaction, Chainlink's
//! MockV3Aggregator, and our own POP stand-in, Uniswap V1 stand-in, V3 liquidity helper and
//! batch funder (`contracts/`), with pools, holders and a Transfer history spread over days.
//!
//! `Devnet::start(Scenario::default()).await` in a test; `scripts/devnet` for people. anvil
//! runs on a free port and is killed when the `Devnet` drops, also when a test panics.

mod anvil;
mod artifacts;
mod config_out;
mod deploy;
pub mod http_server;
pub mod market_server;
pub mod proxy;
pub mod reading;
mod scenario;
mod v3_setup;

use std::path::PathBuf;

use alloy::primitives::{Address, U256};
use alloy::providers::RootProvider;

pub use anvil::{Anvil, AnvilError, tools_bin_dir};
pub use artifacts::tools_dir;
pub use scenario::{PlannedWallet, PoolPlan, Preset, Role, Scenario, wallet_address};

use deploy::DevClient;
use popwatch::abi::IMockV3Aggregator;

#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    #[error(transparent)]
    Anvil(#[from] AnvilError),
    #[error("contract artifact {}: {why}; run scripts/install-test-tools", path.display())]
    Artifact { path: PathBuf, why: String },
    #[error("devnet RPC: {0}")]
    Rpc(String),
    #[error("devnet transaction: {0}")]
    Tx(String),
    #[error("scenario: {0}")]
    Scenario(String),
}

impl DevnetError {
    fn rpc(e: impl std::fmt::Display) -> Self {
        DevnetError::Rpc(e.to_string())
    }
}

/// Where everything was deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevContracts {
    pub multicall3: Address,
    pub weth: Address,
    /// The POP stand-in (`contracts/DevToken.sol`).
    pub pop: Address,
    pub uniswap_v2_factory: Address,
    pub uniswap_v2_router: Address,
    /// A second Uniswap V2 factory, standing in for SushiSwap (same bytecode as on mainnet).
    pub sushiswap_v2_factory: Address,
    pub sushiswap_v2_router: Address,
    pub uniswap_v3_factory: Address,
    pub uniswap_v3_quoter: Address,
    pub uniswap_v3_router: Address,
    pub v3_helper: Address,
    /// Uniswap V1's factory: the real Vyper contract (`contracts/uniswap-v1/`).
    pub uniswap_v1_factory: Address,
    /// Chainlink's MockV3Aggregator, ETH/USD with 8 decimals.
    pub eth_usd_feed: Address,
    pub distributor: Address,
    /// The ENS registry, when the scenario asks for ENS.
    pub ens_registry: Option<Address>,
}

/// The POP/WETH pools of each venue (none where the scenario has none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevPools {
    /// The V1 exchange (POP against ETH).
    pub uniswap_v1: Option<Address>,
    pub uniswap_v2: Option<Address>,
    pub sushiswap: Option<Address>,
    /// (fee, pool) per V3 fee tier.
    pub uniswap_v3: Vec<(u32, Address)>,
}

/// A running devnet. Dropping it stops anvil.
pub struct Devnet {
    anvil: Anvil,
    pub url: String,
    pub chain_id: u64,
    pub contracts: DevContracts,
    pub pools: DevPools,
    /// The watched holders with the balances they hold at the head.
    pub wallets: Vec<PlannedWallet>,
    pub scenario: Scenario,
    /// anvil's first dev account, which deployed everything and keeps the rest of the supply.
    pub deployer: Address,
    /// The loopback market server (CoinGecko, CoinPaprika, DexScreener shapes), consistent
    /// with this chain; the written config points at it.
    pub market: market_server::MarketServer,
    client: DevClient,
}

impl Devnet {
    /// Starts anvil and deploys `scenario` on it.
    pub async fn start(scenario: Scenario) -> Result<Self, DevnetError> {
        deploy::start(scenario).await
    }

    pub fn provider(&self) -> &RootProvider {
        &self.client.provider
    }

    pub fn anvil(&self) -> &Anvil {
        &self.anvil
    }

    /// The token, then every pool of every venue: the streams popwatch's log index reads.
    pub fn token_and_pools(&self) -> Vec<Address> {
        let p = &self.pools;
        std::iter::once(self.contracts.pop)
            .chain(p.uniswap_v1)
            .chain(p.uniswap_v2)
            .chain(p.sushiswap)
            .chain(p.uniswap_v3.iter().map(|(_, a)| *a))
            .collect()
    }

    pub fn wallet(&self, role: Role) -> &PlannedWallet {
        self.wallets
            .iter()
            .find(|w| w.role == role)
            .expect("every scenario plans every role")
    }

    /// Takes an anvil snapshot; [`Devnet::revert`] returns to it.
    pub async fn snapshot(&self) -> Result<U256, DevnetError> {
        let id = self
            .client
            .anvil("evm_snapshot", serde_json::json!([]))
            .await?;
        serde_json::from_value(id).map_err(DevnetError::rpc)
    }

    pub async fn revert(&self, id: U256) -> Result<(), DevnetError> {
        let ok = self
            .client
            .anvil("evm_revert", serde_json::json!([id]))
            .await?;
        if ok.as_bool() == Some(true) {
            Ok(())
        } else {
            Err(DevnetError::Rpc(format!("evm_revert({id}) answered {ok}")))
        }
    }

    /// Sets an address's ETH balance.
    pub async fn fund(&self, who: Address, wei: U256) -> Result<(), DevnetError> {
        self.client.set_balance(who, wei).await
    }

    /// Mines `blocks` empty blocks.
    pub async fn mine(&self, blocks: u64) -> Result<(), DevnetError> {
        self.client
            .anvil("anvil_mine", serde_json::json!([blocks]))
            .await
            .map(drop)
    }

    /// Moves time forward by `secs`, mines a block, and refreshes the ETH/USD feed so it stays
    /// fresh (use [`Devnet::set_feed_updated_at`] to make it stale on purpose).
    pub async fn advance_time(&self, secs: u64) -> Result<(), DevnetError> {
        let head = self.client.latest_timestamp().await?;
        self.client.mine_at(head + secs).await?;
        self.client
            .exec(
                self.deployer,
                self.contracts.eth_usd_feed,
                IMockV3Aggregator::updateAnswerCall {
                    answer: alloy::primitives::I256::try_from(self.scenario.eth_usd_8dec)
                        .expect("fits"),
                },
            )
            .await
            .map(drop)
    }

    /// Rewrites the feed's latest round so it looks last updated at `updated_at`.
    pub async fn set_feed_updated_at(
        &self,
        answer_8dec: i64,
        updated_at: u64,
    ) -> Result<(), DevnetError> {
        self.client
            .exec(
                self.deployer,
                self.contracts.eth_usd_feed,
                IMockV3Aggregator::updateRoundDataCall {
                    roundId: alloy::primitives::aliases::U80::from(1_000_000u64),
                    answer: alloy::primitives::I256::try_from(answer_8dec).expect("fits"),
                    timestamp: U256::from(updated_at),
                    startedAt: U256::from(updated_at),
                },
            )
            .await
            .map(drop)
    }

    /// A POP `transfer` of `value` raw units from `from` (impersonated) to `to`, mined at once.
    pub async fn transfer_pop(
        &self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<alloy::rpc::types::TransactionReceipt, DevnetError> {
        self.exec(
            from,
            self.contracts.pop,
            popwatch::abi::IERC20::transferCall { to, value },
        )
        .await
    }

    /// Sends a call from any address (anvil impersonates it), mined at once.
    pub async fn exec(
        &self,
        from: Address,
        to: Address,
        call: impl alloy::sol_types::SolCall,
    ) -> Result<alloy::rpc::types::TransactionReceipt, DevnetError> {
        self.client.exec(from, to, call).await
    }

    pub async fn exec_value(
        &self,
        from: Address,
        to: Address,
        call: impl alloy::sol_types::SolCall,
        value: U256,
    ) -> Result<alloy::rpc::types::TransactionReceipt, DevnetError> {
        self.client.exec_value(from, to, call, value).await
    }

    /// Gives `at` the runtime `code` (a contract wallet, a router that is not there).
    pub async fn set_code(
        &self,
        at: Address,
        code: alloy::primitives::Bytes,
    ) -> Result<(), DevnetError> {
        self.client.set_code(at, code).await
    }

    pub async fn set_balance(&self, who: Address, wei: U256) -> Result<(), DevnetError> {
        self.client.set_balance(who, wei).await
    }

    /// A read-only call at the head.
    pub async fn view<C: alloy::sol_types::SolCall>(
        &self,
        to: Address,
        call: C,
    ) -> Result<C::Return, DevnetError> {
        self.client.view(to, call).await
    }
}
