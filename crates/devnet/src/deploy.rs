//! Standing a scenario up on a fresh anvil: contracts, pools, wallets and a Transfer history.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, B256, Bytes, U256, aliases::I24};
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::sol_types::{SolCall, SolValue};

use super::artifacts::Artifact;
use super::scenario::{PlannedWallet, Role, Scenario};
use super::v3_setup;
use super::{Anvil, DevContracts, DevPools, Devnet, DevnetError};
use popwatch::abi::*;

/// anvil's first dev account: deploys everything and keeps the undistributed supply.
const DEPLOYER: Address = alloy::primitives::address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// The keyless account that signed the Multicall3 deployment transaction.
const MULTICALL_DEPLOYER: Address =
    alloy::primitives::address!("05f32B3cC3888453ff71B01135B34FF8e41263F2");
const MULTICALL3_TX: &str = include_str!("../contracts/multicall3-deploy.tx");
/// Uniswap V1's real Vyper creation code (`contracts/uniswap-v1/README.md` says where from).
const UNISWAP_V1_EXCHANGE: &str = include_str!("../contracts/uniswap-v1/exchange.bytecode");
const UNISWAP_V1_FACTORY: &str = include_str!("../contracts/uniswap-v1/factory.bytecode");

alloy::sol! {
    /// The V1 factory's one-time setup: the exchange every `createExchange` copies.
    interface IUniswapV1FactorySetup {
        function initializeFactory(address template) external;
    }
}

fn creation_code(hex: &str) -> Bytes {
    let hex = hex.trim();
    Bytes::from(
        alloy::primitives::hex::decode(hex.strip_prefix("0x").unwrap_or(hex))
            .expect("the committed V1 bytecode is hex"),
    )
}
/// Wallets funded per Distributor transaction (~65k gas each, under the 30M block gas limit).
const DISTRIBUTE_BATCH: usize = 300;
const DAY: u64 = 86_400;
/// Gas limit of every set-up transaction (the block limit is 30M).
const TX_GAS_LIMIT: u64 = 25_000_000;

/// Sends transactions and calls to the devnet through anvil's unlocked and impersonated
/// accounts (anvil fills gas and nonce itself, and mines each transaction at once).
pub(super) struct DevClient {
    pub provider: RootProvider,
}

impl DevClient {
    pub async fn send(
        &self,
        mut tx: TransactionRequest,
    ) -> Result<TransactionReceipt, DevnetError> {
        // anvil's own gas estimate can fall short for Uniswap V3 mints, whose oracle write
        // depends on the block's timestamp; a generous limit costs nothing (unused gas is
        // refunded) and keeps set-up deterministic.
        if tx.gas.is_none() {
            tx.gas = Some(TX_GAS_LIMIT);
        }
        let what = format!("{:?} -> {:?}", tx.from, tx.to);
        let hash: B256 = self
            .provider
            .raw_request("eth_sendTransaction".into(), (tx.clone(),))
            .await
            .map_err(|e| DevnetError::Tx(format!("{what}: {e}")))?;
        let receipt = self.wait_receipt(hash).await?;
        if !receipt.status() {
            // Replay it as a call on the block before, for the revert reason.
            let block = receipt.block_number.unwrap_or_default().saturating_sub(1);
            let reason = self
                .provider
                .call(tx)
                .block(block.into())
                .await
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            return Err(DevnetError::Tx(format!(
                "{what}: reverted in {hash}: {reason}"
            )));
        }
        Ok(receipt)
    }

    /// anvil mines an automined transaction just after answering its hash: poll briefly.
    pub async fn wait_receipt(&self, hash: B256) -> Result<TransactionReceipt, DevnetError> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(receipt) = self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(DevnetError::rpc)?
            {
                return Ok(receipt);
            }
            if std::time::Instant::now() > deadline {
                return Err(DevnetError::Tx(format!("no receipt for {hash} after 30 s")));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub async fn deploy(&self, artifact: Artifact, args: Vec<u8>) -> Result<Address, DevnetError> {
        let mut code = artifact.bytecode()?.to_vec();
        code.extend(args);
        self.deploy_code(&format!("{artifact:?}"), Bytes::from(code))
            .await
    }

    /// Deploys creation code as it is (`what` names it in errors).
    pub async fn deploy_code(&self, what: &str, code: Bytes) -> Result<Address, DevnetError> {
        let tx = TransactionRequest::default()
            .with_from(DEPLOYER)
            .with_deploy_code(code);
        let receipt = self.send(tx).await?;
        receipt
            .contract_address
            .ok_or_else(|| DevnetError::Tx(format!("deploying {what}: no address")))
    }

    pub async fn exec(
        &self,
        from: Address,
        to: Address,
        call: impl SolCall,
    ) -> Result<TransactionReceipt, DevnetError> {
        self.exec_value(from, to, call, U256::ZERO).await
    }

    pub async fn exec_value(
        &self,
        from: Address,
        to: Address,
        call: impl SolCall,
        value: U256,
    ) -> Result<TransactionReceipt, DevnetError> {
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(call.abi_encode())
            .with_value(value);
        self.send(tx).await
    }

    pub async fn view<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return, DevnetError> {
        let tx = TransactionRequest::default()
            .with_to(to)
            .with_input(call.abi_encode());
        let out = self.provider.call(tx).await.map_err(DevnetError::rpc)?;
        C::abi_decode_returns(&out).map_err(|e| DevnetError::Tx(format!("decoding a view: {e}")))
    }

    /// A node method by name, with its params as a JSON array.
    pub async fn anvil(
        &self,
        method: &'static str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, DevnetError> {
        self.provider
            .raw_request(method.into(), params)
            .await
            .map_err(DevnetError::rpc)
    }

    pub async fn set_balance(&self, who: Address, wei: U256) -> Result<(), DevnetError> {
        self.anvil("anvil_setBalance", serde_json::json!([who, wei]))
            .await
            .map(drop)
    }

    pub async fn set_code(&self, at: Address, code: Bytes) -> Result<(), DevnetError> {
        self.anvil("anvil_setCode", serde_json::json!([at, code]))
            .await
            .map(drop)
    }

    /// Makes the next block carry `timestamp` and mines it.
    pub async fn mine_at(&self, timestamp: u64) -> Result<(), DevnetError> {
        self.anvil("evm_setNextBlockTimestamp", serde_json::json!([timestamp]))
            .await?;
        self.anvil("evm_mine", serde_json::json!([]))
            .await
            .map(drop)
    }

    pub async fn latest_timestamp(&self) -> Result<u64, DevnetError> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(DevnetError::rpc)?
            .ok_or_else(|| DevnetError::Tx("no latest block".into()))?;
        Ok(block.header.timestamp)
    }
}

fn s_eth_usd(s: &Scenario) -> f64 {
    s.eth_usd_8dec as f64 / 1e8
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

pub(super) async fn start(scenario: Scenario) -> Result<Devnet, DevnetError> {
    if scenario.wallets < 5 || scenario.wallets > 10_000 {
        return Err(DevnetError::Scenario(format!(
            "wallets must be 5 to 10,000, not {}",
            scenario.wallets
        )));
    }
    let now = unix_now();
    let t0 = now - scenario.history_days * DAY;
    let anvil = Anvil::spawn(&[
        "--auto-impersonate",
        "--number",
        &scenario.start_block.to_string(),
        "--timestamp",
        &t0.to_string(),
        "--chain-id",
        "31337",
    ])?;
    let url = anvil.url();
    let client = DevClient {
        provider: RootProvider::new_http(url.parse().expect("anvil URL parses")),
    };

    let contracts = deploy_contracts(&client, &scenario).await?;
    let pools = create_pools(&client, &scenario, &contracts).await?;
    let wallets = scenario.wallet_plan();
    play_history(&client, &scenario, &contracts, &wallets, now).await?;
    let mut contracts = contracts;
    if scenario.ens {
        contracts.ens_registry = Some(deploy_ens(&client, &wallets).await?);
    }

    let eth_usd = s_eth_usd(&scenario);
    let market = super::market_server::MarketServer::start(super::market_server::MarketFixture {
        token: contracts.pop,
        price_usd: eth_usd / scenario.pop_per_eth as f64,
        total_supply: scenario.token_supply as f64,
        v2_pair: pools.uniswap_v2.map(|pair| {
            let eth = f64::from(scenario.pools.uniswap_v2_eth) / 1e18;
            (pair, 2.0 * eth * eth_usd)
        }),
        coingecko_id: "pop-chest-token".to_owned(),
        coinpaprika_id: "pop-pop-chest-token".to_owned(),
        name_suffix: String::new(),
        listed_contract: Some(contracts.pop),
        updated_ago: std::time::Duration::from_secs(240),
    })
    .map_err(|e| DevnetError::Scenario(format!("market server: {e}")))?;
    Ok(Devnet {
        market,
        anvil,
        url,
        chain_id: 31337,
        contracts,
        pools,
        wallets,
        scenario,
        deployer: DEPLOYER,
        client,
    })
}

async fn deploy_contracts(client: &DevClient, s: &Scenario) -> Result<DevContracts, DevnetError> {
    // Multicall3 at its canonical address, from the presigned mainnet deployment.
    client
        .set_balance(MULTICALL_DEPLOYER, U256::from(10u64).pow(U256::from(18)))
        .await?;
    let raw: Bytes = MULTICALL3_TX
        .trim()
        .parse()
        .map_err(|e| DevnetError::Tx(format!("multicall3 tx: {e}")))?;
    let hash: B256 = client
        .provider
        .raw_request("eth_sendRawTransaction".into(), (raw,))
        .await
        .map_err(DevnetError::rpc)?;
    let receipt = client.wait_receipt(hash).await?;
    let multicall3 = receipt
        .contract_address
        .ok_or_else(|| DevnetError::Tx("multicall3: no address".into()))?;

    // Addresses follow the deployer's nonce: whichever is deployed first sorts first.
    let deploy_pop = || {
        client.deploy(
            Artifact::DevToken,
            // uint8 is ABI-encoded as one padded word, like uint256.
            (
                s.token_name.clone(),
                s.token_symbol.clone(),
                U256::from(s.token_decimals),
                s.supply_raw(),
                U256::from(s.token_fee_bps),
            )
                .abi_encode_params(),
        )
    };
    let (weth, pop) = if s.pop_is_token0 {
        let pop = deploy_pop().await?;
        (client.deploy(Artifact::Weth9, Vec::new()).await?, pop)
    } else {
        let weth = client.deploy(Artifact::Weth9, Vec::new()).await?;
        (weth, deploy_pop().await?)
    };
    if (pop < weth) != s.pop_is_token0 {
        return Err(DevnetError::Tx(format!(
            "POP {pop} and WETH {weth} do not sort as the scenario asks (POP token0: {})",
            s.pop_is_token0
        )));
    }
    let uniswap_v2_factory = client
        .deploy(Artifact::UniswapV2Factory, DEPLOYER.abi_encode())
        .await?;
    let sushiswap_v2_factory = client
        .deploy(Artifact::UniswapV2Factory, DEPLOYER.abi_encode())
        .await?;
    let uniswap_v2_router = client
        .deploy(
            Artifact::UniswapV2Router02,
            (uniswap_v2_factory, weth).abi_encode_params(),
        )
        .await?;
    let sushiswap_v2_router = client
        .deploy(
            Artifact::UniswapV2Router02,
            (sushiswap_v2_factory, weth).abi_encode_params(),
        )
        .await?;
    let uniswap_v3_factory = client
        .deploy(Artifact::UniswapV3Factory, Vec::new())
        .await?;
    let uniswap_v3_quoter = client
        .deploy(
            Artifact::QuoterV2,
            (uniswap_v3_factory, weth).abi_encode_params(),
        )
        .await?;
    let uniswap_v3_router = client
        .deploy(
            Artifact::SwapRouter,
            (uniswap_v3_factory, weth).abi_encode_params(),
        )
        .await?;
    let v3_helper = client
        .deploy(Artifact::V3LiquidityHelper, Vec::new())
        .await?;
    // Uniswap V1, the real Vyper contracts: the exchange template, then the factory that
    // copies it for each token.
    let v1_template = client
        .deploy_code(
            "the Uniswap V1 exchange",
            creation_code(UNISWAP_V1_EXCHANGE),
        )
        .await?;
    let uniswap_v1_factory = client
        .deploy_code("the Uniswap V1 factory", creation_code(UNISWAP_V1_FACTORY))
        .await?;
    client
        .exec(
            DEPLOYER,
            uniswap_v1_factory,
            IUniswapV1FactorySetup::initializeFactoryCall {
                template: v1_template,
            },
        )
        .await?;
    let eth_usd_feed = client
        .deploy(
            Artifact::MockV3Aggregator,
            (
                U256::from(8u8),
                alloy::primitives::I256::try_from(s.eth_usd_8dec).expect("fits"),
            )
                .abi_encode_params(),
        )
        .await?;
    let distributor = client.deploy(Artifact::Distributor, Vec::new()).await?;
    Ok(DevContracts {
        multicall3,
        weth,
        pop,
        uniswap_v2_factory,
        uniswap_v2_router,
        sushiswap_v2_factory,
        sushiswap_v2_router,
        uniswap_v3_factory,
        uniswap_v3_quoter,
        uniswap_v3_router,
        v3_helper,
        uniswap_v1_factory,
        eth_usd_feed,
        distributor,
        ens_registry: None,
    })
}

alloy::sol! {
    interface IEnsRegistrySetup {
        function setSubnodeOwner(bytes32 node, bytes32 label, address owner) external returns (bytes32);
        function setResolver(bytes32 node, address resolver) external;
    }
    interface IEnsResolverSetup {
        function setAddr(bytes32 node, address a) external;
    }
    interface IReverseRegistrarSetup {
        function setName(string name) external returns (bytes32);
    }
}

/// The real ENS registry and public resolver (npm build artifacts), owned by the deployer, with
/// `<role>.eth` names: `whale.eth` points to the whale (and the whale's reverse record says
/// so), `empty.eth` has a resolver but no address, `offchain.eth` a resolver that asks for
/// an offchain lookup, and the empty wallet's reverse record claims `whale.eth` (a lie).
/// Returns the registry.
async fn deploy_ens(client: &DevClient, wallets: &[PlannedWallet]) -> Result<Address, DevnetError> {
    use alloy::primitives::keccak256;
    let registry = client.deploy(Artifact::EnsRegistry, Vec::new()).await?;
    let resolver = client
        .deploy(Artifact::PublicResolver, registry.abi_encode())
        .await?;
    let reverse = client
        .deploy(
            Artifact::ReverseRegistrar,
            (registry, resolver).abi_encode_params(),
        )
        .await?;
    let namehash = |name: &str| popwatch::sources::chain::ens::namehash(name);
    let label = |l: &str| keccak256(l.as_bytes());
    let sub = |node: B256, l: &str, owner: Address| IEnsRegistrySetup::setSubnodeOwnerCall {
        node,
        label: label(l),
        owner,
    };
    client
        .exec(DEPLOYER, registry, sub(B256::ZERO, "eth", DEPLOYER))
        .await?;
    client
        .exec(DEPLOYER, registry, sub(B256::ZERO, "reverse", DEPLOYER))
        .await?;
    client
        .exec(
            DEPLOYER,
            registry,
            sub(namehash("reverse"), "addr", reverse),
        )
        .await?;
    // treasury.eth names the deployer, a counterparty of the whale (not watched).
    for (name, wallet) in [
        (
            "whale",
            wallets
                .iter()
                .find(|w| w.role == Role::Whale)
                .map(|w| w.address),
        ),
        ("empty", None),
        ("treasury", Some(DEPLOYER)),
    ] {
        client
            .exec(DEPLOYER, registry, sub(namehash("eth"), name, DEPLOYER))
            .await?;
        let node = namehash(&format!("{name}.eth"));
        client
            .exec(
                DEPLOYER,
                registry,
                IEnsRegistrySetup::setResolverCall { node, resolver },
            )
            .await?;
        if let Some(address) = wallet {
            client
                .exec(
                    DEPLOYER,
                    resolver,
                    IEnsResolverSetup::setAddrCall { node, a: address },
                )
                .await?;
            client
                .exec(
                    address,
                    reverse,
                    IReverseRegistrarSetup::setNameCall {
                        name: format!("{name}.eth"),
                    },
                )
                .await?;
        }
    }
    // offchain.eth: a resolver that answers every call with EIP-3668's OffchainLookup (its
    // code only reverts with that selector), as a CCIP-Read resolver does.
    let offchain = Address::repeat_byte(0x3c);
    client
        .set_code(
            offchain,
            // PUSH4 0x556f1830, PUSH1 224, SHL, PUSH1 0, MSTORE, PUSH1 4, PUSH1 0, REVERT
            Bytes::from_static(&[
                0x63, 0x55, 0x6f, 0x18, 0x30, 0x60, 0xe0, 0x1b, 0x60, 0x00, 0x52, 0x60, 0x04, 0x60,
                0x00, 0xfd,
            ]),
        )
        .await?;
    client
        .exec(
            DEPLOYER,
            registry,
            sub(namehash("eth"), "offchain", DEPLOYER),
        )
        .await?;
    client
        .exec(
            DEPLOYER,
            registry,
            IEnsRegistrySetup::setResolverCall {
                node: namehash("offchain.eth"),
                resolver: offchain,
            },
        )
        .await?;
    // A reverse record that lies: the empty wallet claims whale.eth, which does not resolve
    // to it.
    if let Some(liar) = wallets.iter().find(|w| w.role == Role::Empty) {
        client
            .exec(
                liar.address,
                reverse,
                IReverseRegistrarSetup::setNameCall {
                    name: "whale.eth".to_owned(),
                },
            )
            .await?;
    }
    Ok(registry)
}

fn far_deadline() -> U256 {
    U256::from(u64::MAX)
}

async fn create_pools(
    client: &DevClient,
    s: &Scenario,
    c: &DevContracts,
) -> Result<DevPools, DevnetError> {
    let mut pools = DevPools::default();
    let plan = &s.pools;

    if !plan.uniswap_v1_eth.is_zero() {
        client
            .exec(
                DEPLOYER,
                c.uniswap_v1_factory,
                IUniswapV1Factory::createExchangeCall { token: c.pop },
            )
            .await?;
        let exchange = client
            .view(
                c.uniswap_v1_factory,
                IUniswapV1Factory::getExchangeCall { token: c.pop },
            )
            .await?;
        let pop = s.pop_for_eth(plan.uniswap_v1_eth);
        client
            .exec(
                DEPLOYER,
                c.pop,
                IERC20::approveCall {
                    spender: exchange,
                    value: pop,
                },
            )
            .await?;
        client
            .exec_value(
                DEPLOYER,
                exchange,
                IUniswapV1Exchange::addLiquidityCall {
                    min_liquidity: U256::ZERO,
                    max_tokens: pop,
                    deadline: far_deadline(),
                },
                plan.uniswap_v1_eth,
            )
            .await?;
        pools.uniswap_v1 = Some(exchange);
    }

    for (eth, router, factory, slot) in [
        (
            plan.uniswap_v2_eth,
            c.uniswap_v2_router,
            c.uniswap_v2_factory,
            &mut pools.uniswap_v2,
        ),
        (
            plan.sushiswap_eth,
            c.sushiswap_v2_router,
            c.sushiswap_v2_factory,
            &mut pools.sushiswap,
        ),
    ] {
        if eth.is_zero() {
            continue;
        }
        let pop = s.pop_for_eth(eth);
        client
            .exec(
                DEPLOYER,
                c.pop,
                IERC20::approveCall {
                    spender: router,
                    value: pop,
                },
            )
            .await?;
        client
            .exec_value(
                DEPLOYER,
                router,
                IUniswapV2Router02::addLiquidityETHCall {
                    token: c.pop,
                    amountTokenDesired: pop,
                    amountTokenMin: pop,
                    amountETHMin: eth,
                    to: DEPLOYER,
                    deadline: far_deadline(),
                },
                eth,
            )
            .await?;
        *slot = Some(
            client
                .view(
                    factory,
                    IUniswapV2Factory::getPairCall {
                        tokenA: c.pop,
                        tokenB: c.weth,
                    },
                )
                .await?,
        );
    }

    if !plan.uniswap_v3.is_empty() {
        // The helper pays the pools from its own balances: give it WETH and POP for every pool,
        // with room to spare (what is left stays with the helper).
        let total_eth: U256 = plan.uniswap_v3.iter().map(|(_, eth)| *eth).sum();
        let weth_needed = total_eth * U256::from(2);
        client
            .exec_value(DEPLOYER, c.weth, IWETH9::depositCall {}, weth_needed)
            .await?;
        client
            .exec(
                DEPLOYER,
                c.weth,
                IERC20::transferCall {
                    to: c.v3_helper,
                    value: weth_needed,
                },
            )
            .await?;
        let pop_needed = s.pop_for_eth(total_eth) * U256::from(2);
        client
            .exec(
                DEPLOYER,
                c.pop,
                IERC20::transferCall {
                    to: c.v3_helper,
                    value: pop_needed,
                },
            )
            .await?;
    }
    for &(fee, eth) in &plan.uniswap_v3 {
        let pool = create_v3_pool(client, s, c, fee, eth).await?;
        pools.uniswap_v3.push((fee, pool));
    }
    Ok(pools)
}

/// A V3 pool at the scenario's price with two positions: a wide one (70% of the ETH) and a
/// narrow one around the price (30%), so that larger sells cross initialized ticks. Or, for
/// a lopsided plan, one position over [p/4, 1.21·p] of POP's price.
async fn create_v3_pool(
    client: &DevClient,
    s: &Scenario,
    c: &DevContracts,
    fee: u32,
    eth: U256,
) -> Result<Address, DevnetError> {
    client
        .exec(
            DEPLOYER,
            c.uniswap_v3_factory,
            IUniswapV3Factory::createPoolCall {
                tokenA: c.pop,
                tokenB: c.weth,
                fee: fee.try_into().expect("fee fits u24"),
            },
        )
        .await?;
    let pool = client
        .view(
            c.uniswap_v3_factory,
            IUniswapV3Factory::getPoolCall {
                tokenA: c.pop,
                tokenB: c.weth,
                fee: fee.try_into().expect("fee fits u24"),
            },
        )
        .await?;
    let pop_is_token0 = c.pop < c.weth;
    let price = v3_setup::raw_price(s.pop_per_eth as f64, pop_is_token0);
    client
        .exec(
            DEPLOYER,
            pool,
            IUniswapV3Pool::initializeCall {
                sqrtPriceX96: v3_setup::sqrt_price_x96(price),
            },
        )
        .await?;
    let spacing = v3_setup::tick_spacing(fee);
    let tick = v3_setup::price_to_tick(price);
    // Ticks below and above the current one, in the pool's raw price (WETH per POP when POP
    // is token0, POP per WETH otherwise).
    let ranges: Vec<(i32, i32, u64)> = if s.pools.v3_lopsided {
        let (quarter, up_21pct) = (v3_setup::price_to_tick(4.0), v3_setup::price_to_tick(1.21));
        if pop_is_token0 {
            vec![(quarter, up_21pct, 100)]
        } else {
            vec![(up_21pct, quarter, 100)]
        }
    } else {
        vec![
            (40 * spacing * 10, 40 * spacing * 10, 70),
            (10 * spacing, 10 * spacing, 30),
        ]
    };
    for (below, above, share_pct) in ranges {
        let lower = v3_setup::align_down(tick - below, spacing);
        let upper = v3_setup::align_down(tick + above, spacing) + spacing;
        let part = eth * U256::from(share_pct) / U256::from(100);
        let liquidity = v3_setup::liquidity_for_eth(price, lower, upper, part, pop_is_token0);
        client
            .exec(
                DEPLOYER,
                c.v3_helper,
                IV3LiquidityHelper::mintCall {
                    pool,
                    tickLower: I24::try_from(lower).expect("tick fits i24"),
                    tickUpper: I24::try_from(upper).expect("tick fits i24"),
                    liquidity,
                },
            )
            .await?;
    }
    Ok(pool)
}

/// Funds the wallets and plays a Transfer history spread over `history_days`, ending with every
/// wallet at its planned balances and the head's timestamp at `now`.
async fn play_history(
    client: &DevClient,
    s: &Scenario,
    c: &DevContracts,
    wallets: &[PlannedWallet],
    now: u64,
) -> Result<(), DevnetError> {
    let unit = s.unit();
    let moved = U256::from(10_000u64) * unit;
    let by_role = |role: Role| {
        wallets
            .iter()
            .find(|w| w.role == role)
            .expect("every role is planned")
    };
    let (whale, approver, no_eth) = (
        by_role(Role::Whale),
        by_role(Role::Approver),
        by_role(Role::NoEth),
    );

    // Day 0: the distribution. Amounts are the final ones, shifted by what the later history
    // moves between wallets, so that after it everyone holds exactly the plan.
    let initial: Vec<U256> = wallets
        .iter()
        .map(|w| match w.role {
            Role::Whale => w.pop_raw + moved + unit,
            Role::Approver | Role::NoEth => w.pop_raw - moved / U256::from(2),
            _ => w.pop_raw,
        })
        .collect();
    let total: U256 = initial.iter().copied().sum();
    client
        .exec(
            DEPLOYER,
            c.pop,
            IERC20::approveCall {
                spender: c.distributor,
                value: total,
            },
        )
        .await?;
    for (batch, amounts) in wallets
        .chunks(DISTRIBUTE_BATCH)
        .zip(initial.chunks(DISTRIBUTE_BATCH))
    {
        let eth: Vec<U256> = batch.iter().map(|w| w.eth_wei).collect();
        let value: U256 = eth.iter().copied().sum();
        client
            .exec_value(
                DEPLOYER,
                c.distributor,
                IDistributor::distributeCall {
                    token: c.pop,
                    to: batch.iter().map(|w| w.address).collect(),
                    tokens: amounts.to_vec(),
                    wei_: eth,
                },
                value,
            )
            .await?;
    }

    let days_ago = |d: u64| now - d * DAY;
    client.mine_at(days_ago(40)).await?;
    client
        .exec(
            whale.address,
            c.pop,
            IERC20::transferCall {
                to: approver.address,
                value: moved,
            },
        )
        .await?;

    client.mine_at(days_ago(15)).await?;
    client
        .exec(
            approver.address,
            c.pop,
            IERC20::approveCall {
                spender: c.uniswap_v2_router,
                value: U256::from(5_000_000u64) * unit,
            },
        )
        .await?;
    client
        .exec(
            approver.address,
            c.pop,
            IERC20::transferCall {
                to: no_eth.address,
                value: moved / U256::from(2),
            },
        )
        .await?;

    client.mine_at(days_ago(5)).await?;
    client
        .exec(
            whale.address,
            c.pop,
            IERC20::transferCall {
                to: DEPLOYER,
                value: unit,
            },
        )
        .await?;

    // Senders paid gas: put their ETH back to the plan.
    for w in [whale, approver] {
        client.set_balance(w.address, w.eth_wei).await?;
    }
    client.mine_at(now.max(days_ago(5) + 1)).await?;
    // A fresh ETH/USD answer at the head.
    client
        .exec(
            DEPLOYER,
            c.eth_usd_feed,
            IMockV3Aggregator::updateAnswerCall {
                answer: alloy::primitives::I256::try_from(s.eth_usd_8dec).expect("fits"),
            },
        )
        .await?;
    Ok(())
}
