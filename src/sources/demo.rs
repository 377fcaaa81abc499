//! `--demo`: an offline, in-process source of simulated data. It sends the very same `Update`s
//! the chain and market sources send, through the same `apply`, so the demo exercises the real
//! app: a thin POP-like market that moves, a whale whose exit loses more than half to price
//! impact, a dust wallet whose exit is worth less than its gas, and markets that disagree.

use std::time::Duration;

use alloy::primitives::{Address, I256, U256, keccak256};
use futures::future::BoxFuture;
use time::OffsetDateTime;

use crate::config::{Config, RpcUrl, WalletConfig};
use crate::exit::quote::constant_product_out;
use crate::sources::{Source, UpdateSender};
use crate::state::chain::{ChainReading, EthUsd, PoolReading, TokenFacts, WalletBalance};
use crate::state::exits::Venue;
use crate::state::market::{ListedContract, MarketQuote};

/// POP's contract, as the providers list it.
const POP_CONTRACT: &str = "0x5d858bcd53e085920620549214a8b27ce2f04670";
use crate::state::transfers::{LogReading, TransferSeen, WalletHistory};
use crate::state::{SourceName, Update};

const DECIMALS: u8 = 18;
/// Seconds between simulated refreshes.
const STEP_SECS: u64 = 2;

/// (label, whole POP ×100, milli-ETH) of the demo's wallets.
const WALLETS: [(&str, u64, u64); 7] = [
    ("Whale", 42_000_000_000, 1_500),
    ("Cold storage", 3_800_000_000, 250),
    ("Old trade", 250_000_000, 80),
    ("Airdrop", 1_234_567, 20),
    ("Dust", 30, 5),
    ("Empty", 0, 40),
    ("No gas", 500_000_000, 0),
];

fn unit() -> U256 {
    U256::from(10u64).pow(U256::from(DECIMALS))
}

fn demo_address(label: &str) -> Address {
    Address::from_slice(&keccak256(format!("popwatch demo {label}"))[12..])
}

/// The config the demo runs with: its own wallets, the real token's facts, no network.
pub fn config() -> Config {
    let chain = crate::config::ChainConfig {
        rpc_urls: vec![RpcUrl::parse("http://demo.invalid").expect("static URL")],
        ..Default::default()
    };
    Config {
        refresh_secs: STEP_SECS,
        market_refresh_secs: STEP_SECS,
        chain,
        wallets: WALLETS
            .iter()
            .map(|(label, _, _)| WalletConfig {
                label: (*label).to_owned(),
                address: demo_address(label),
                ens: None,
            })
            .collect(),
        ..Config::default()
    }
}

struct DemoPool {
    venue: Venue,
    address: Address,
    pop: U256,
    eth: U256,
}

pub struct DemoSource {
    step: u64,
    seed: u64,
    block: u64,
    eth_usd_cents: i64,
    pools: Vec<DemoPool>,
}

impl Default for DemoSource {
    fn default() -> Self {
        Self::new()
    }
}

impl DemoSource {
    pub fn new() -> Self {
        let milli = |m: u64| U256::from(m) * U256::from(10u64).pow(U256::from(15));
        Self {
            step: 0,
            seed: 0x9E37_79B9_7F4A_7C15,
            block: 21_345_678,
            eth_usd_cents: 300_000,
            pools: vec![
                DemoPool {
                    venue: Venue::UniswapV1,
                    address: demo_address("pool v1"),
                    pop: U256::from(120_000_000u64) * unit(),
                    eth: milli(400),
                },
                DemoPool {
                    venue: Venue::UniswapV2,
                    address: demo_address("pool v2"),
                    pop: U256::from(225_000_000u64) * unit(),
                    eth: milli(750),
                },
            ],
        }
    }

    /// A number in [-1, 1), deterministic per run.
    fn noise(&mut self) -> f64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    /// Moves the market a little: small trades in the pools, ETH drifting.
    fn advance(&mut self) {
        self.step += 1;
        self.block += 1;
        self.eth_usd_cents = (self.eth_usd_cents as f64 * (1.0 + self.noise() * 0.002)) as i64;
        for k in 0..self.pools.len() {
            let n = self.noise();
            let pool = &mut self.pools[k];
            // Someone sells or buys up to 0.5% of the pool's POP.
            let delta = pool.pop * U256::from((n.abs() * 50.0) as u64) / U256::from(10_000);
            if n >= 0.0 {
                if let Some(out) = constant_product_out(delta, pool.pop, pool.eth, 3000) {
                    pool.pop += delta;
                    pool.eth -= out;
                }
            } else if delta < pool.pop {
                let eth_in = pool.eth * U256::from((n.abs() * 50.0) as u64) / U256::from(10_000);
                if let Some(out) = constant_product_out(eth_in, pool.eth, pool.pop, 3000) {
                    pool.eth += eth_in;
                    pool.pop -= out;
                }
            }
        }
    }

    fn onchain_price(&self) -> f64 {
        let pool = &self.pools[1];
        f64::from(pool.eth) / f64::from(pool.pop) * self.eth_usd_cents as f64 / 100.0
    }

    fn chain_reading(&self, now: OffsetDateTime) -> ChainReading {
        ChainReading {
            observed_at: now,
            block: self.block,
            gives_up_block: None,
            block_time: now,
            endpoint: "demo (simulated)".to_owned(),
            token: TokenFacts {
                has_code: true,
                name: Some("POP Network Token".to_owned()),
                symbol: Some("POP".to_owned()),
                decimals: Some(DECIMALS),
                total_supply_raw: Some(U256::from(1_600_000_000u64) * unit()),
            },
            balances: WALLETS
                .iter()
                .map(|(label, pop_hundredths, milli_eth)| WalletBalance {
                    address: demo_address(label),
                    pop_raw: Some(U256::from(*pop_hundredths) * unit() / U256::from(100)),
                    eth_wei: Some(U256::from(*milli_eth) * U256::from(10u64).pow(U256::from(15))),
                    allowances: Vec::new(),
                })
                .collect(),
            eth_usd: Ok(EthUsd {
                answer: I256::try_from(self.eth_usd_cents * 1_000_000).unwrap_or(I256::ZERO),
                decimals: 8,
                updated_at: now,
                stale: false,
            }),
            pools: self
                .pools
                .iter()
                .map(|p| PoolReading {
                    venue: p.venue,
                    address: p.address,
                    spender: crate::sources::chain::pools::spender(
                        p.venue,
                        p.address,
                        &crate::config::Contracts::MAINNET,
                    ),
                    fee_ppm: 3000,
                    pop_reserve_raw: p.pop,
                    weth_reserve_wei: p.eth,
                    v3: None,
                })
                .collect(),
            unread_pools: Vec::new(),
            gas_price_wei: Some(U256::from(18_000_000_000u64)),
            http_requests: 0,
            rpc_calls: 0,
        }
    }

    /// A simulated history: each wallet received its POP days to months ago; the whale moved
    /// some out last week; the token's last Transfer is that one.
    fn logs(&self, now: OffsetDateTime) -> LogReading {
        let treasury = demo_address("treasury");
        let mut latest = None;
        let wallets = WALLETS
            .iter()
            .enumerate()
            .map(|(i, (label, pop_hundredths, _))| {
                let address = demo_address(label);
                let seen =
                    |days: i64, from: Address, to: Address, amount: U256, n: u64| TransferSeen {
                        block: self.block - (days as u64) * 7_200 + n,
                        time: Some(now - time::Duration::days(days)),
                        tx: keccak256(format!("demo tx {label} {n}")),
                        log_index: 0,
                        from,
                        to,
                        amount,
                        tx_sender: None,
                    };
                let received = seen(
                    40 + 17 * i as i64,
                    treasury,
                    address,
                    U256::from(*pop_hundredths) * unit() / U256::from(100),
                    1,
                );
                let mut transfers = vec![received.clone()];
                let mut last_out = None;
                if i == 0 {
                    let out = seen(6, address, treasury, U256::from(1_000_000u64) * unit(), 2);
                    latest = Some(out.clone());
                    last_out = Some(out.clone());
                    transfers.push(out);
                }
                WalletHistory {
                    address,
                    last_in: (*pop_hundredths > 0).then_some(received),
                    last_out,
                    transfers: if *pop_hundredths > 0 {
                        transfers
                    } else {
                        Vec::new()
                    },
                    approvals: Vec::new(),
                }
            })
            .collect();
        LogReading {
            block: self.block,
            wallets,
            latest_transfer: latest,
            // The simulated chain's whole history is its scan.
            covered_since: None,
            from_first_block: true,
            get_logs_calls: 0,
        }
    }

    /// Three providers that disagree, as POP's do: CoinGecko with no circulating supply (so
    /// so its market cap is unknown: it writes 0, which popwatch reads as unknown), CoinPaprika with the full supply, DexScreener from the V2 pool.
    fn market(&mut self, price: f64, at: OffsetDateTime) -> Vec<(SourceName, MarketQuote)> {
        let supply = 1_600_000_000.0;
        let cg = price * (1.0 + 0.04 + self.noise() * 0.01);
        let cp = price * (1.0 - 0.06 + self.noise() * 0.01);
        let volume = 45.0 + self.noise() * 30.0;
        vec![
            (
                SourceName::Coingecko,
                MarketQuote {
                    price_usd: Some(cg),
                    market_cap_usd: None,
                    fdv_usd: Some(cg * supply),
                    volume_24h_usd: Some(volume),
                    change_24h_pct: Some(self.noise() * 8.0),
                    circulating_supply: Some(0.0),
                    total_supply: Some(supply),
                    ath_usd: Some(0.0289),
                    ath_change_pct: Some((cg / 0.0289 - 1.0) * 100.0),
                    rank: None,
                    contract: ListedContract::Listed(POP_CONTRACT.to_owned()),
                    provider_id: Some("pop-chest-token".to_owned()),
                    coin_name: Some("POP Network Token".to_owned()),
                    coin_symbol: Some("pop".to_owned()),
                    dev_commits_4_weeks: Some(0.0),
                    has_repository: Some(false),
                    fetched_at: Some(at),
                    as_of: Some(at - time::Duration::seconds(1)),
                    ..MarketQuote::default()
                },
            ),
            (
                SourceName::Coinpaprika,
                MarketQuote {
                    price_usd: Some(cp),
                    market_cap_usd: Some(cp * supply),
                    fdv_usd: Some(cp * supply),
                    volume_24h_usd: Some(volume * 1.3),
                    change_24h_pct: Some(self.noise() * 8.0),
                    circulating_supply: Some(supply),
                    total_supply: Some(supply),
                    ath_usd: Some(0.0312),
                    ath_change_pct: Some((cp / 0.0312 - 1.0) * 100.0),
                    rank: Some(7_412),
                    contract: ListedContract::Listed(POP_CONTRACT.to_owned()),
                    provider_id: Some("pop-pop-chest-token".to_owned()),
                    coin_name: Some("POP Network Token".to_owned()),
                    coin_symbol: Some("POP".to_owned()),
                    fetched_at: Some(at),
                    as_of: Some(at - time::Duration::seconds(2)),
                    ..MarketQuote::default()
                },
            ),
            (
                SourceName::Dexscreener,
                MarketQuote {
                    price_usd: Some(price),
                    fdv_usd: Some(price * supply),
                    volume_24h_usd: Some(volume * 0.7),
                    change_24h_pct: Some(self.noise() * 8.0),
                    contract: ListedContract::Listed(POP_CONTRACT.to_owned()),
                    coin_name: Some("POP Network Token".to_owned()),
                    coin_symbol: Some("POP".to_owned()),
                    fetched_at: Some(at),
                    ..MarketQuote::default()
                },
            ),
        ]
    }
}

impl Source for DemoSource {
    fn name(&self) -> SourceName {
        SourceName::Chain
    }

    fn interval(&self) -> Duration {
        Duration::from_secs(STEP_SECS)
    }

    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let now = OffsetDateTime::now_utc();
            if self.step == 0 {
                // A week of hourly prices, so the sparkline has a past from the first frame.
                let base = self.onchain_price();
                for hour in (1..=168).rev() {
                    let at = now - time::Duration::hours(hour);
                    let drift = 1.0 + (hour as f64 / 168.0) * 0.35 + self.noise() * 0.01;
                    for (source, quote) in self.market(base * drift, at) {
                        let _ = out.send(Update::Market {
                            source,
                            quote: Box::new(quote),
                        });
                    }
                }
            }
            self.advance();
            // The same exit computation as for a real chain reading.
            let reading = self.chain_reading(now);
            let exits = crate::exit::compute::compute(&reading, DECIMALS);
            let logs = self.logs(now);
            let _ = out.send(Update::ChainRead(Box::new(reading)));
            let _ = out.send(Update::Exits(Box::new(exits)));
            let _ = out.send(Update::Logs(Box::new(logs)));
            let price = self.onchain_price();
            for (source, quote) in self.market(price, now) {
                let _ = out.send(Update::Market {
                    source,
                    quote: Box::new(quote),
                });
            }
        })
    }
}
