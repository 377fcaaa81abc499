//! `--demo`: an offline, in-process source of simulated data. It sends the very same `Update`s
//! the chain and market sources send, through the same `apply`, so the demo exercises the real
//! app: a thin POP-like market that barely moves, a whale whose exit loses more than half to
//! price impact, a dust wallet too small to sell, markets that disagree, peers and venues, ENS
//! names, the token's whole history with its holders (`history`). Its pace is a near-dead
//! token's: a trade now and then, a transfer every ten minutes, a provider that rate-limits
//! for half a minute every half hour; a few alerts an hour, not hundreds.

mod extras;
mod history;

use std::time::Duration;

use alloy::primitives::{Address, I256, U256, keccak256};
use futures::future::BoxFuture;
use time::OffsetDateTime;

use crate::config::{Config, LabelConfig, RpcUrl, WalletConfig};
use crate::exit::quote::constant_product_out;
use crate::sources::{Source, UpdateSender};
use crate::state::chain::{ChainReading, EthUsd, PoolReading, TokenFacts, WalletBalance};
use crate::state::exits::Venue;
use crate::state::exits::{SellCheck, SellOutcome};
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
    ("Dust", 0, 5),
    ("Empty", 0, 40),
    ("No gas", 500_000_000, 0),
];
/// The dust wallet's POP, raw: its best quote rounds to 0 wei (too small to sell).
const DUST_RAW: u64 = 300;
/// Steps between simulated transfers into the airdrop wallet (ten minutes).
const DRIP_EVERY: u64 = 300;
/// Steps between CoinPaprika's simulated rate limits (half an hour), and how long one lasts.
const OUTAGE_EVERY: u64 = 900;
const OUTAGE_STEPS: u64 = 15;
/// Steps between the slow-changing figures (peers, venues, names): a market refresh's pace.
const EXTRAS_EVERY: u64 = 150;

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
        labels: vec![
            LabelConfig {
                label: "Team".to_owned(),
                address: history::team(),
            },
            LabelConfig {
                label: "Exchange hot wallet".to_owned(),
                address: history::exchange(),
            },
            LabelConfig {
                label: "Vesting".to_owned(),
                address: history::vesting(),
            },
        ],
        ..Config::default()
    }
}

/// A wallet's POP at the start, raw.
fn start_pop(label: &str, pop_hundredths: u64) -> U256 {
    if label == "Dust" {
        U256::from(DUST_RAW)
    } else {
        U256::from(pop_hundredths) * unit() / U256::from(100)
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
    /// Each pool's POP at the start (the history's distribution).
    initial_reserves: Vec<U256>,
    /// The token's history up to the start, built at the first refresh.
    history: Option<history::Simulated>,
    /// Transfers into the airdrop wallet since the start.
    drips: Vec<TransferSeen>,
    /// Who is who among the holders (the config's wallets and labels, the pools).
    known: crate::sources::chain::index::holders::Known,
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
            initial_reserves: vec![
                U256::from(120_000_000u64) * unit(),
                U256::from(225_000_000u64) * unit(),
            ],
            history: None,
            drips: Vec::new(),
            known: crate::sources::chain::index::holders::Known::default(),
        }
        .knowing_its_holders()
    }

    fn knowing_its_holders(mut self) -> Self {
        self.known = crate::sources::chain::index::holders::Known::from_config(
            &config(),
            self.pools
                .iter()
                .map(|p| (p.address, p.venue.label().to_owned()))
                .collect(),
        );
        self
    }

    /// A number in [-1, 1), deterministic per run.
    fn noise(&mut self) -> f64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    /// Moves the market a little, as a near-dead token's does: ETH drifting; now and then (one
    /// step in twenty) a small trade in a pool, up to 0.3% of its POP; every twenty minutes a
    /// larger sale (1.5%), a pool change worth an alert.
    fn advance(&mut self) {
        self.step += 1;
        self.block += 1;
        self.eth_usd_cents = (self.eth_usd_cents as f64 * (1.0 + self.noise() * 0.0005)) as i64;
        for k in 0..self.pools.len() {
            let n = self.noise();
            let large = k == 0 && self.step % 600 == 300;
            if !large && n.abs() < 0.9 {
                continue;
            }
            let bps = if large {
                150
            } else {
                ((n.abs() - 0.9) * 300.0) as u64
            };
            let pool = &mut self.pools[k];
            let delta = pool.pop * U256::from(bps) / U256::from(10_000);
            if large || n >= 0.0 {
                // Someone sells POP into the pool.
                if let Some(out) = constant_product_out(delta, pool.pop, pool.eth, 3000) {
                    pool.pop += delta;
                    pool.eth -= out;
                }
            } else {
                // Someone buys POP with ETH.
                let eth_in = pool.eth * U256::from(bps) / U256::from(10_000);
                if let Some(out) = constant_product_out(eth_in, pool.eth, pool.pop, 3000) {
                    pool.eth += eth_in;
                    pool.pop -= out;
                }
            }
        }
        if self.step % DRIP_EVERY == DRIP_EVERY / 2 {
            let n = self.drips.len() as u64;
            self.drips.push(TransferSeen {
                block: self.block,
                time: Some(OffsetDateTime::now_utc()),
                tx: keccak256(format!("demo drip {n}")),
                log_index: 0,
                from: history::exchange(),
                to: demo_address("Airdrop"),
                amount: U256::from(5_000u64) * unit(),
                tx_sender: None,
            });
        }
    }

    /// Whether CoinPaprika is rate-limiting the demo now.
    fn paprika_down(&self) -> bool {
        self.step % OUTAGE_EVERY >= OUTAGE_EVERY / 2
            && self.step % OUTAGE_EVERY < OUTAGE_EVERY / 2 + OUTAGE_STEPS
    }

    /// The airdrop wallet's drips, summed.
    fn dripped(&self) -> U256 {
        self.drips.iter().fold(U256::ZERO, |s, d| s + d.amount)
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
                    pop_raw: Some(
                        start_pop(label, *pop_hundredths)
                            + if *label == "Airdrop" {
                                self.dripped()
                            } else {
                                U256::ZERO
                            },
                    ),
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
    /// a million out last week; the airdrop wallet receives a drip every ten minutes; the
    /// token's last Transfer is the newest of those.
    fn logs(&self, now: OffsetDateTime) -> LogReading {
        let treasury = history::treasury();
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
                        tx: keccak256(format!("demo history {label} {n}")),
                        log_index: 0,
                        from,
                        to,
                        amount,
                        tx_sender: None,
                    };
                let pop = start_pop(label, *pop_hundredths);
                let million = U256::from(1_000_000u64) * unit();
                let received = seen(
                    40 + 17 * i as i64,
                    treasury,
                    address,
                    if i == 0 { pop + million } else { pop },
                    1,
                );
                let mut transfers = vec![received.clone()];
                let mut last_out = None;
                if i == 0 {
                    let out = seen(6, address, treasury, million, 2);
                    latest = Some(out.clone());
                    last_out = Some(out.clone());
                    transfers.push(out);
                }
                let mut last_in = (!pop.is_zero()).then_some(received);
                if *label == "Airdrop" {
                    transfers.extend(self.drips.iter().cloned());
                    if let Some(drip) = self.drips.last() {
                        last_in = Some(drip.clone());
                        latest = Some(drip.clone());
                    }
                }
                transfers.sort_by_key(|t| std::cmp::Reverse((t.block, t.log_index)));
                WalletHistory {
                    address,
                    last_in,
                    last_out,
                    transfers: if pop.is_zero() { Vec::new() } else { transfers },
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

impl DemoSource {
    fn pool_addresses(&self) -> Vec<(Venue, Address)> {
        self.pools.iter().map(|p| (p.venue, p.address)).collect()
    }

    /// What the log index would send: its summary and the holders, from the simulated history
    /// (built at the first refresh) with the drips and the pools' trades since.
    fn send_history(&mut self, out: &UpdateSender, now: OffsetDateTime) {
        let wallets: Vec<(Address, U256)> = WALLETS
            .iter()
            .map(|(label, pop, _)| (demo_address(label), start_pop(label, *pop)))
            .collect();
        let pools: Vec<(Address, U256, U256)> = self
            .pools
            .iter()
            .zip(&self.initial_reserves)
            .map(|(p, initial)| (p.address, *initial, p.pop))
            .collect();
        let start: Vec<(Address, U256)> = pools.iter().map(|(a, i, _)| (*a, *i)).collect();
        let block = self.block;
        let simulated = self
            .history
            .get_or_insert_with(|| history::Simulated::new(&wallets, &start, block));
        let (summary, holders) = simulated.readings(&self.drips, &pools, &self.known, block, now);
        let _ = out.send(Update::Index(Box::new(summary)));
        let _ = out.send(Update::Holders(Box::new(holders)));
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
            // The same exit computation as for a real chain reading, and the sell checks a
            // real node would answer: every sale goes through, bar the dust wallet's, whose
            // quote rounds to nothing (the exit math says so itself).
            let reading = self.chain_reading(now);
            let mut exits = crate::exit::compute::compute(&reading, DECIMALS);
            for wallet in &mut exits.wallets {
                if let (Some(exit), None) = (&wallet.exit, &wallet.sell_check) {
                    wallet.sell_check = Some(SellCheck::new(
                        SellOutcome::Sells,
                        format!(
                            "a sale of the whole balance through {} succeeds in simulation (simulated)",
                            exit.venue_name()
                        ),
                    ));
                }
            }
            let logs = self.logs(now);
            let _ = out.send(Update::ChainRead(Box::new(reading)));
            let _ = out.send(Update::Exits(Box::new(exits)));
            let _ = out.send(Update::Logs(Box::new(logs)));
            self.send_history(&out, now);
            let price = self.onchain_price();
            for (source, quote) in self.market(price, now) {
                if source == SourceName::Coinpaprika && self.paprika_down() {
                    let _ = out.send(Update::SourceFailed {
                        source,
                        error: "HTTP 429: rate-limited (simulated)".to_owned(),
                    });
                    continue;
                }
                let _ = out.send(Update::Market {
                    source,
                    quote: Box::new(quote),
                });
            }
            if self.step % EXTRAS_EVERY == 1 {
                let pools = self.pool_addresses();
                for update in extras::updates(&mut || self.noise(), now, &pools) {
                    let _ = out.send(update);
                }
            }
        })
    }
}
