//! The chain as a `Source`: each refresh reads once and sends what it found.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::Address;
use futures::future::BoxFuture;

use super::logs::LogScanner;
use super::reader::ChainReader;
use super::sell_check::SellChecker;
use crate::config::Config;
use crate::exit::compute as exits;
use crate::sources::{Source, UpdateSender};
use crate::state::exits::{ExitReading, Leg, SellCheck};
use crate::state::{SourceName, Update};

pub struct ChainSource {
    reader: Arc<ChainReader>,
    scanner: LogScanner,
    interval: Duration,
    /// Used when the token does not answer `decimals()`.
    expected_decimals: u8,
    /// Exit math of earlier refreshes, reused while pools and balances stay put.
    exit_cache: exits::ExitCache,
    sell_checks: SellChecks,
    names: NameLookups,
    /// The token's log index, extended at each refresh, where there is a history file.
    index: Option<super::index::ChainIndex>,
}

/// Reverse names of the watched wallets and of their counterparties, looked up once at start
/// and then every [`NAMES_EVERY`] (names change rarely, and a few batched rounds an hour cost
/// next to nothing, where some per refresh would double the chain's calls); a counterparty
/// seen for the first time is looked up at the next refresh.
#[derive(Default)]
struct NameLookups {
    last: Option<std::time::Instant>,
    /// Counterparties already looked up, most recently seen last.
    counterparties: Vec<Address>,
}

const NAMES_EVERY: Duration = Duration::from_secs(3600);
/// Counterparties whose names are kept: the most recently seen.
const MAX_COUNTERPARTIES: usize = 200;

impl NameLookups {
    /// The names, when a lookup is due and it succeeds (a failed one is tried again at the
    /// next due time; the names shown stay as they were). `seen`: this refresh's
    /// counterparties, newest first.
    async fn due(
        &mut self,
        reader: &super::ChainReader,
        seen: &[Address],
    ) -> Option<Vec<(Address, Option<String>)>> {
        let new: Vec<Address> = seen
            .iter()
            .filter(|a| !self.counterparties.contains(a))
            .copied()
            .take(MAX_COUNTERPARTIES)
            .collect();
        self.counterparties.extend(&new);
        let excess = self.counterparties.len().saturating_sub(MAX_COUNTERPARTIES);
        self.counterparties.drain(..excess);
        let hourly = self.last.is_none_or(|t| t.elapsed() >= NAMES_EVERY);
        let addresses: Vec<Address> = if hourly {
            self.last = Some(std::time::Instant::now());
            reader
                .settings
                .wallets
                .iter()
                .chain(&self.counterparties)
                .copied()
                .collect()
        } else {
            new
        };
        if addresses.is_empty() {
            return None;
        }
        let registry = reader.settings.contracts.ens_registry;
        match crate::sources::chain::ens::reverse_names(reader.rpc(), registry, &addresses).await {
            Ok(names) => Some(addresses.into_iter().zip(names).collect()),
            Err(e) => {
                tracing::info!(error = %e, "ENS reverse names not read");
                None
            }
        }
    }
}

/// The addresses the watched wallets traded POP with in `logs`, newest first, each once
/// (the zero address and the wallets themselves aside).
fn counterparties(logs: &crate::state::transfers::LogReading) -> Vec<Address> {
    let watched: std::collections::HashSet<Address> =
        logs.wallets.iter().map(|w| w.address).collect();
    let mut transfers: Vec<&crate::state::transfers::TransferSeen> =
        logs.wallets.iter().flat_map(|w| &w.transfers).collect();
    transfers.sort_by_key(|t| std::cmp::Reverse((t.block, t.log_index)));
    let mut out: Vec<Address> = Vec::new();
    for t in transfers {
        for side in [t.from, t.to] {
            if !side.is_zero() && !watched.contains(&side) && !out.contains(&side) {
                out.push(side);
            }
        }
    }
    out
}

/// Each wallet's last sell check, the legs it simulated, and the refresh it ran at.
#[derive(Default)]
struct SellChecks {
    checker: SellChecker,
    checks: HashMap<Address, (Vec<Leg>, SellCheck, u64)>,
    refreshes: u64,
}

/// A wallet's sale is simulated again when its legs change (balance, route or pool state
/// moved), and otherwise after this many refreshes: a thousand simulated swaps per refresh
/// would cost a public endpoint more than every other read together.
const SELL_RECHECK_REFRESHES: u64 = 20;

impl ChainSource {
    pub fn new(config: &Config) -> Self {
        let timeout = Duration::from_secs(config.chain.timeout_secs);
        Self::with_http(config, crate::net::http_client(timeout))
    }

    /// [`ChainSource::new`] on a shared HTTP client.
    pub fn with_http(config: &Config, http: reqwest::Client) -> Self {
        let contracts = config.chain.contracts.resolve();
        Self {
            scanner: LogScanner::new(
                config.token.address,
                contracts.multicall3,
                config.wallets.iter().map(|w| w.address).collect(),
                config.chain.logs_chunk_blocks,
                config.chain.scan_days,
            ),
            reader: Arc::new(ChainReader::from_config_with_http(config, http)),
            interval: Duration::from_secs(config.refresh_secs),
            expected_decimals: config.token.expected_decimals,
            exit_cache: exits::ExitCache::default(),
            sell_checks: SellChecks::default(),
            names: NameLookups::default(),
            index: None,
        }
    }

    /// The source extending `index` at each refresh.
    pub fn with_index(mut self, index: super::index::ChainIndex) -> Self {
        self.index = Some(index);
        self
    }

    pub fn reader(&self) -> &ChainReader {
        &self.reader
    }
}

impl SellChecks {
    /// Sell checks for the wallets that are due (see [`SELL_RECHECK_REFRESHES`]); the others
    /// keep their last result.
    async fn run(&mut self, reader: &ChainReader, exits: &mut ExitReading, block: u64) {
        self.refreshes += 1;
        let now = self.refreshes;
        let mut due = ExitReading {
            block: exits.block,
            gas_price_wei: exits.gas_price_wei,
            ..ExitReading::default()
        };
        // Where each due wallet sits in `exits`.
        let mut positions = Vec::new();
        for (i, wallet) in exits.wallets.iter_mut().enumerate() {
            let Some(exit) = &wallet.exit else { continue };
            match self.checks.get(&wallet.address) {
                Some((legs, check, at))
                    if *legs == exit.legs && now - at < SELL_RECHECK_REFRESHES =>
                {
                    wallet.sell_check = Some(check.clone());
                }
                _ => {
                    due.wallets.push(wallet.clone());
                    positions.push(i);
                }
            }
        }
        if due.wallets.is_empty() {
            return;
        }
        self.checker.check(reader, &mut due, block).await;
        for (checked, i) in due.wallets.into_iter().zip(positions) {
            let (Some(exit), Some(check)) = (checked.exit, checked.sell_check) else {
                continue;
            };
            exits.wallets[i].sell_check = Some(check.clone());
            self.checks.insert(checked.address, (exit.legs, check, now));
        }
    }
}

impl Source for ChainSource {
    fn name(&self) -> SourceName {
        SourceName::Chain
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let outcome = self.reader.read().await;
            for r in outcome.refusals {
                let _ = out.send(Update::EndpointRefused {
                    endpoint: r.endpoint,
                    expected: r.expected,
                    got: r.got,
                });
            }
            match outcome.reading {
                Ok(reading) => {
                    // What the token says it is, as it said it (the log writer makes it safe).
                    tracing::debug!(
                        block = reading.block,
                        name = %reading.token.name.as_deref().unwrap_or("?"),
                        symbol = %reading.token.symbol.as_deref().unwrap_or("?"),
                        "chain read"
                    );
                    let decimals = crate::state::figures::usable_decimals(
                        reading.token.decimals,
                        self.expected_decimals,
                    );
                    let block = reading.block;
                    // The balances go out at once; exits (exit math, then sell checks) and the
                    // log scan follow, side by side: neither needs the other.
                    let exit_input = reading.clone();
                    let sales_possible = !reading.pools.is_empty();
                    let pools: Vec<alloy::primitives::Address> =
                        reading.pools.iter().map(|p| p.address).collect();
                    let venues: Vec<(alloy::primitives::Address, String)> = reading
                        .pools
                        .iter()
                        .map(|p| (p.address, p.venue.label().to_owned()))
                        .collect();
                    let total_supply = reading.token.total_supply_raw;
                    let _ = out.send(Update::ChainRead(Box::new(reading)));
                    let reader = &self.reader;
                    let cache = &mut self.exit_cache;
                    let sell_checks = &mut self.sell_checks;
                    let exits_out = out.clone();
                    let exits_work = async move {
                        let started = std::time::Instant::now();
                        // CPU work (milliseconds to hundreds for thousands of wallets): off
                        // the async threads, so nothing else waits for it.
                        let mut taken = std::mem::take(cache);
                        let computing = tokio::task::spawn_blocking(move || {
                            let exits = exits::compute_cached(&exit_input, decimals, &mut taken);
                            (exits, taken)
                        });
                        let checker = &sell_checks.checker;
                        let prepare = async {
                            if sales_possible {
                                checker.prepare(reader, block).await;
                            }
                        };
                        let (computed, ()) = tokio::join!(computing, prepare);
                        let Ok((mut exits, taken)) = computed else {
                            let _ = exits_out.send(Update::SourceFailed {
                                source: SourceName::Chain,
                                error: "the exit math failed on this reading".to_owned(),
                            });
                            return;
                        };
                        *cache = taken;
                        let computed = started.elapsed();
                        sell_checks.run(reader, &mut exits, block).await;
                        tracing::debug!(
                            ?computed,
                            sell_checks = ?(started.elapsed() - computed),
                            "exits"
                        );
                        let _ = exits_out.send(Update::Exits(Box::new(exits)));
                    };
                    // The recent blocks of the log index first, the wallets' window read from
                    // it where it holds the window (the node asked only for what it does not)
                    // and sent; then the older history, within the refresh's budget, after
                    // this refresh's updates are out.
                    let index = &mut self.index;
                    let scanner = &mut self.scanner;
                    let logs_out = out.clone();
                    let logs_work = async move {
                        let rpc = reader.rpc();
                        let window_from = block.saturating_sub(scanner.window_blocks());
                        let mut recent = Ok(());
                        let mut archived = None;
                        if let Some(index) = index.as_mut() {
                            recent = index
                                .extend_recent(rpc, (window_from, block), &pools, &logs_out)
                                .await;
                            if recent.is_ok() {
                                archived = index.token_logs_since(window_from, block);
                            }
                        }
                        let mut seen = Vec::new();
                        match scanner.scan_from(rpc, block, archived).await {
                            Ok(logs) => {
                                tracing::debug!(block, get_logs = logs.get_logs_calls, "log scan");
                                seen = counterparties(&logs);
                                let _ = logs_out.send(Update::Logs(Box::new(logs)));
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "log scan failed; it resumes next refresh");
                                let _ = logs_out.send(Update::LogsFailed {
                                    error: e.to_string(),
                                });
                            }
                        }
                        let summary = match (index, recent) {
                            (Some(index), Ok(())) => Some(
                                index
                                    .extend_judge_and_count_holders(
                                        rpc,
                                        block,
                                        super::index::driver::HoldersInput {
                                            pools: &venues,
                                            decimals,
                                        },
                                        total_supply,
                                        &logs_out,
                                    )
                                    .await,
                            ),
                            (Some(_), Err(e)) => Some(Err(e)),
                            (None, _) => None,
                        };
                        (seen, summary)
                    };
                    let ((), (mut seen, summary)) = tokio::join!(exits_work, logs_work);
                    // The top holders' names too, after the counterparties'.
                    if let Some(Ok((_, Some(holders)))) = &summary {
                        for holder in &holders.top {
                            if !seen.contains(&holder.address) {
                                seen.push(holder.address);
                            }
                        }
                    }
                    // Names on their own cadence, after the balance round.
                    if let Some(names) = self.names.due(&self.reader, &seen).await {
                        let _ = out.send(Update::EnsNames(names));
                    }
                    match summary {
                        Some(Ok((summary, holders))) => {
                            let _ = out.send(Update::Index(Box::new(summary)));
                            if let Some(holders) = holders {
                                let _ = out.send(Update::Holders(Box::new(holders)));
                            }
                        }
                        Some(Err(e)) => {
                            tracing::warn!(error = %e, "log index not extended; it resumes next refresh");
                            let _ = out.send(Update::IndexFailed {
                                error: e.to_string(),
                            });
                        }
                        None => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "chain refresh failed");
                    let _ = out.send(Update::SourceFailed {
                        source: SourceName::Chain,
                        error: e.to_string(),
                    });
                }
            }
        })
    }
}
