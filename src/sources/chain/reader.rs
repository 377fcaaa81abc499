//! One refresh of the chain: token facts, every wallet's POP and ETH, the ETH/USD feed and the
//! block, in Multicall3 chunks sent as JSON-RPC batches, all pinned to one block.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use alloy::primitives::{Address, Bytes, U256};
use alloy::sol_types::SolCall;
use time::OffsetDateTime;

use super::allowances::AllowanceCache;
use super::head::{HeadGuard, Verdict};
use super::multicall::{At, Read, ReadResult, aggregate3_call, decode_aggregate3};
use super::pools::{self, FoundPool};
use super::rpc::{AllFailed, Refusal, RpcCall, RpcClient, parse_quantity};
use crate::abi::{IAggregatorV3, IERC20, IMulticall3};
use crate::config::{Config, Contracts};
use crate::state::chain::{ChainReading, EthUsd, PoolReading, TokenFacts, WalletBalance};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Rpc(#[from] AllFailed),
    #[error(
        "no Multicall3 contract answers at {0} on this chain: set [chain.contracts] multicall3"
    )]
    MulticallAbsent(Address),
    #[error("an eth_call failed: {0}")]
    Call(String),
    #[error("every endpoint is behind block {seen} already shown (lagging endpoints are not used)")]
    Lagging { seen: u64 },
    #[error(
        "an endpoint reports block {block}, further than the chain can have gone since block {shown} (refused)"
    )]
    ImplausibleHead { block: u64, shown: u64 },
}

/// The highest gas price believed: 100,000 gwei, fifty times mainnet's highest on record. An
/// endpoint answering more is broken or lying, and its figure would make every exit look
/// worthless after gas; it is unknown instead.
pub const MAX_GAS_PRICE_WEI: u64 = 100_000 * 1_000_000_000;

fn plausible_gas_price(wei: u64) -> bool {
    let plausible = wei <= MAX_GAS_PRICE_WEI;
    if !plausible {
        tracing::warn!(wei, "implausible gas price: shown as unknown");
    }
    plausible
}

/// What the reader needs from the config.
#[derive(Debug, Clone)]
pub struct ReaderSettings {
    pub token: Address,
    pub contracts: Contracts,
    pub wallets: Vec<Address>,
    /// Calls per aggregate3, the block-number read included.
    pub chunk: usize,
    pub heartbeat: Duration,
}

impl ReaderSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            token: config.token.address,
            contracts: config.chain.contracts.resolve(),
            wallets: config.wallets.iter().map(|w| w.address).collect(),
            chunk: usize::try_from(config.chain.multicall_chunk)
                .unwrap_or(usize::MAX)
                .max(2),
            heartbeat: Duration::from_secs(config.chain.eth_usd_heartbeat_secs),
        }
    }
}

/// The fixed reads at the start of the plan, before the wallets'.
const TIMESTAMP: usize = 0;
const NAME: usize = 1;
const SYMBOL: usize = 2;
const DECIMALS: usize = 3;
const TOTAL_SUPPLY: usize = 4;
const FEED_DECIMALS: usize = 5;
const FEED_ROUND: usize = 6;
const FIXED: usize = 7;

pub struct ChainReader {
    pub(super) rpc: RpcClient,
    pub(super) settings: ReaderSettings,
    /// Per V3 pool, the bitmap words and initialized ticks the last refresh needed: read again
    /// in the main round, so a steady refresh takes one request.
    v3_cache: Mutex<std::collections::HashMap<Address, V3Reads>>,
    /// The wallets' allowances to the pools' spenders, read now and then.
    allowances: Mutex<AllowanceCache>,
    /// Which heights can be shown: not behind the last, not implausibly ahead of it.
    head: Mutex<HeadGuard>,
    /// Pools found by discovery, and refreshes since it ran (it runs again now and then, so
    /// a new pool is found).
    pools: Mutex<(Option<Vec<FoundPool>>, u32)>,
}

/// A V3 pool's bitmap words and initialized ticks, as read.
type V3Reads = (Vec<i16>, Vec<i32>);

/// Refreshes between two pool discoveries.
const REDISCOVER_EVERY: u32 = 20;

/// A reading, and the endpoints refused while making it.
pub struct ReadOutcome {
    pub reading: Result<ChainReading, ChainError>,
    pub refusals: Vec<Refusal>,
}

impl ChainReader {
    pub fn new(rpc: RpcClient, settings: ReaderSettings) -> Self {
        Self {
            rpc,
            settings,
            head: Mutex::new(HeadGuard::default()),
            pools: Mutex::new((None, 0)),
            v3_cache: Mutex::new(std::collections::HashMap::new()),
            allowances: Mutex::new(AllowanceCache::default()),
        }
    }

    pub fn from_config(config: &Config) -> Self {
        let timeout = Duration::from_secs(config.chain.timeout_secs);
        Self::from_config_with_http(config, crate::net::http_client(timeout))
    }

    /// [`ChainReader::from_config`] on a shared HTTP client.
    pub fn from_config_with_http(config: &Config, http: reqwest::Client) -> Self {
        let rpc = RpcClient::with_http(
            &config.chain.rpc_urls,
            config.chain.chain_id,
            Duration::from_secs(config.chain.timeout_secs),
            http,
        )
        .with_max_response_bytes(config.chain.max_response_bytes())
        .with_logs_budget(
            usize::try_from(config.chain.logs_in_flight).unwrap_or(1),
            u32::try_from(config.chain.logs_requests_per_second).unwrap_or(u32::MAX),
        );
        Self::new(rpc, ReaderSettings::from_config(config))
    }

    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// The spenders of `found`'s pools, and the wallets (by index) whose allowances to them
    /// the next refresh reads.
    fn allowance_reads(&self, found: &[FoundPool]) -> (Vec<Address>, Vec<usize>) {
        let spenders = self.spenders(found);
        let due = self
            .allowances
            .lock()
            .expect("not poisoned")
            .due(&self.settings.wallets, &spenders);
        (spenders, due)
    }

    /// Where a sale in each found pool needs an allowance, each once.
    fn spenders(&self, found: &[FoundPool]) -> Vec<Address> {
        let mut spenders: Vec<Address> = Vec::new();
        for pool in found {
            let spender = pools::spender(pool.venue, pool.address, &self.settings.contracts);
            if !spenders.contains(&spender) {
                spenders.push(spender);
            }
        }
        spenders
    }

    /// The plan of reads: fixed ones, then each wallet's POP and ETH, then each pool's state,
    /// then the `due` wallets' allowances to each of `spenders` (whether a sale needs an
    /// approve; see [`AllowanceCache`]).
    fn plan(&self, found: &[FoundPool], spenders: &[Address], due: &[usize]) -> Vec<Read> {
        let s = &self.settings;
        let c = &s.contracts;
        let mut reads = vec![
            Read::new(c.multicall3, IMulticall3::getCurrentBlockTimestampCall {}),
            Read::new(s.token, IERC20::nameCall {}),
            Read::new(s.token, IERC20::symbolCall {}),
            Read::new(s.token, IERC20::decimalsCall {}),
            Read::new(s.token, IERC20::totalSupplyCall {}),
            Read::new(c.eth_usd_feed, IAggregatorV3::decimalsCall {}),
            Read::new(c.eth_usd_feed, IAggregatorV3::latestRoundDataCall {}),
        ];
        debug_assert_eq!(reads.len(), FIXED);
        for &wallet in &s.wallets {
            reads.push(Read::new(s.token, IERC20::balanceOfCall { owner: wallet }));
            reads.push(Read::new(
                c.multicall3,
                IMulticall3::getEthBalanceCall { addr: wallet },
            ));
        }
        for pool in found {
            reads.extend(pools::state_reads(pool, c, s.token));
        }
        for &i in due {
            for &spender in spenders {
                let owner = s.wallets[i];
                reads.push(Read::new(s.token, IERC20::allowanceCall { owner, spender }));
            }
        }
        reads
    }

    /// The V3 tick reads the last refresh needed, pool by pool, appended to the main round.
    fn cached_v3_reads(&self, found: &[FoundPool]) -> (Vec<Read>, Vec<(Address, V3Reads)>) {
        let cache = self.v3_cache.lock().expect("not poisoned");
        let mut reads = Vec::new();
        let mut layout = Vec::new();
        for pool in found
            .iter()
            .filter(|p| p.venue == crate::state::exits::Venue::UniswapV3)
        {
            let Some((words, ticks)) = cache.get(&pool.address) else {
                continue;
            };
            for &word in words {
                reads.push(Read::new(
                    pool.address,
                    crate::abi::IUniswapV3Pool::tickBitmapCall { wordPosition: word },
                ));
            }
            for &tick in ticks {
                reads.push(pools::tick_read(pool.address, tick));
            }
            layout.push((pool.address, (words.clone(), ticks.clone())));
        }
        (reads, layout)
    }

    /// How many reads the main round of the next refresh makes (for budget checks).
    pub fn planned_reads(&self) -> usize {
        let cache = self.pools.lock().expect("not poisoned");
        let found = cache.0.clone().unwrap_or_default();
        drop(cache);
        let (spenders, due) = self.allowance_reads(&found);
        self.plan(&found, &spenders, &due).len() + self.cached_v3_reads(&found).0.len()
    }

    /// The fee tier of a discovered V3 pool.
    pub(super) fn v3_fee(&self, pool: Address) -> Option<u32> {
        let cache = self.pools.lock().expect("not poisoned");
        cache
            .0
            .as_ref()?
            .iter()
            .find(|p| p.address == pool)
            .map(|p| p.fee_ppm)
    }

    /// The pools to read: discovered on the first refresh and every [`REDISCOVER_EVERY`].
    async fn found_pools(
        &self,
        excluded: &mut HashSet<usize>,
    ) -> Result<Vec<FoundPool>, ChainError> {
        {
            let mut cache = self.pools.lock().expect("not poisoned");
            if let (Some(found), since) = &mut *cache
                && *since < REDISCOVER_EVERY
            {
                *since += 1;
                return Ok(found.clone());
            }
        }
        let reads = pools::discovery_reads(&self.settings.contracts, self.settings.token);
        let (_, results, _) = self.multicall_round(&reads, At::Latest, excluded).await?;
        let found = pools::decode_discovery(&results);
        tracing::debug!(pools = found.len(), "pool discovery");
        *self.pools.lock().expect("not poisoned") = (Some(found.clone()), 0);
        Ok(found)
    }

    /// One round of reads (as many aggregate3 chunks as it takes) at `at`.
    async fn multicall_round(
        &self,
        reads: &[Read],
        at: At,
        excluded: &mut HashSet<usize>,
    ) -> Result<(u64, Vec<ReadResult>, usize), ChainError> {
        if reads.is_empty() {
            return Ok((0, Vec::new(), 0));
        }
        let calls = self.chunk_calls(reads, at);
        let (blocks, results, endpoint, _) = self.fetch(&calls, reads.len(), excluded).await?;
        Ok((blocks.into_iter().max().unwrap_or(0), results, endpoint))
    }

    /// Reads in aggregate3 chunks, each starting with the block number.
    fn chunk_calls(&self, reads: &[Read], at: At) -> Vec<RpcCall> {
        let multicall = self.settings.contracts.multicall3;
        let block_read = Read::new(multicall, IMulticall3::getBlockNumberCall {});
        reads
            .chunks(self.settings.chunk - 1)
            .map(|chunk| {
                let mut with_block = Vec::with_capacity(chunk.len() + 1);
                with_block.push(block_read.clone());
                with_block.extend_from_slice(chunk);
                aggregate3_call(multicall, &with_block, at)
            })
            .collect()
    }

    /// For every V3 pool: the bitmap words its sale may cross, then those words' initialized
    /// ticks, both read at `block`.
    async fn add_v3_ticks(
        &self,
        readings: &mut [PoolReading],
        block: u64,
        excluded: &mut HashSet<usize>,
    ) -> Result<(), ChainError> {
        // Words the sale may cross that the main round did not read.
        let mut word_reads = Vec::new();
        let mut word_owner = Vec::new();
        for (i, pool) in readings.iter().enumerate() {
            let Some(v3) = &pool.v3 else { continue };
            for (word, read) in pools::bitmap_reads(pool) {
                if !v3.words.contains_key(&word) {
                    word_reads.push(read);
                    word_owner.push((i, word));
                }
            }
        }
        let (_, words, _) = self
            .multicall_round(&word_reads, At::Block(block), excluded)
            .await?;
        for ((i, word), result) in word_owner.into_iter().zip(&words) {
            let bits = result
                .as_ref()
                .filter(|b| b.len() >= 32)
                .map(|b| U256::from_be_slice(&b[..32]))
                .ok_or_else(|| ChainError::Call("a V3 tickBitmap read failed".into()))?;
            if let Some(v3) = readings[i].v3.as_mut() {
                v3.words.insert(word, bits);
            }
        }
        // Initialized ticks whose liquidityNet was not read yet.
        let mut tick_reads = Vec::new();
        let mut tick_owner = Vec::new();
        for (i, pool) in readings.iter().enumerate() {
            if let Some(v3) = &pool.v3 {
                for tick in pools::ticks_a_sale_crosses(v3) {
                    if !v3.liquidity_net.contains_key(&tick) {
                        tick_reads.push(pools::tick_read(pool.address, tick));
                        tick_owner.push((i, tick));
                    }
                }
            }
        }
        let (_, ticks, _) = self
            .multicall_round(&tick_reads, At::Block(block), excluded)
            .await?;
        for ((i, tick), result) in tick_owner.into_iter().zip(&ticks) {
            let net = pools::decode_liquidity_net(result)
                .ok_or_else(|| ChainError::Call("a V3 ticks read failed".into()))?;
            if let Some(v3) = readings[i].v3.as_mut() {
                v3.liquidity_net.insert(tick, net);
            }
        }
        // Keep what this refresh needed for the next one; drop nets of ticks no longer set.
        let mut cache = self.v3_cache.lock().expect("not poisoned");
        for pool in readings.iter_mut() {
            let Some(v3) = pool.v3.as_mut() else { continue };
            let initialized = pools::ticks_a_sale_crosses(v3);
            let kept: HashSet<i32> = initialized.iter().copied().collect();
            v3.liquidity_net.retain(|t, _| kept.contains(t));
            let mut words: Vec<i16> = v3.words.keys().copied().collect();
            words.sort_unstable();
            cache.insert(pool.address, (words, initialized));
        }
        Ok(())
    }

    /// Reads everything once.
    pub async fn read(&self) -> ReadOutcome {
        let refusals = self.rpc.check_chain_ids().await;
        let before = self.rpc.stats();
        let reading = self.read_pinned().await.map(|mut reading| {
            let spent = self.rpc.stats() - before;
            reading.http_requests = spent.http_requests;
            reading.rpc_calls = spent.rpc_calls;
            tracing::debug!(
                block = reading.block,
                http_requests = spent.http_requests,
                rpc_calls = spent.rpc_calls,
                endpoint = %reading.endpoint,
                "chain refresh"
            );
            reading
        });
        ReadOutcome { reading, refusals }
    }

    async fn read_pinned(&self) -> Result<ChainReading, ChainError> {
        let mut excluded = HashSet::new();
        let found = self.found_pools(&mut excluded).await?;
        let (spenders, due) = self.allowance_reads(&found);
        let mut reads = self.plan(&found, &spenders, &due);
        let main_reads = reads.len();
        let (v3_reads, v3_layout) = self.cached_v3_reads(&found);
        reads.extend(v3_reads);
        // Every chunk starts with the block number, so one batch at "latest" can be checked
        // to have read one block; if a block landed mid-batch, the chunks are read again
        // pinned to the newest. The gas price rides in the same batch.
        let calls_at = |at: At| -> Vec<RpcCall> {
            let mut calls = self.chunk_calls(&reads, at);
            calls.push(RpcCall::new("eth_gasPrice", serde_json::json!([])));
            calls
        };
        // Why the last height was refused, for the error if no endpoint's is taken.
        let mut refused: Option<ChainError> = None;
        loop {
            let fetched = self
                .fetch(&calls_at(At::Latest), reads.len(), &mut excluded)
                .await;
            let (mut blocks, mut results, mut endpoint, mut extra) = match (fetched, refused) {
                // The endpoints that answered were refused for their height, and the others
                // failed.
                (Err(ChainError::Rpc(_)), Some(why)) => {
                    self.head.lock().expect("not poisoned").refresh_refused();
                    return Err(why);
                }
                (other, _) => other?,
            };
            let newest = *blocks.iter().max().expect("at least one chunk");
            if blocks.iter().any(|&b| b != newest) {
                (blocks, results, endpoint, extra) = self
                    .fetch(&calls_at(At::Block(newest)), reads.len(), &mut excluded)
                    .await?;
                if blocks.iter().any(|&b| b != newest) {
                    return Err(ChainError::Call(format!(
                        "reads pinned to block {newest} answered {blocks:?}"
                    )));
                }
            }
            let now = OffsetDateTime::now_utc();
            let verdict = self.head.lock().expect("not poisoned").judge(newest, now);
            let why = match verdict {
                Verdict::Take => None,
                Verdict::Behind { shown } => Some(ChainError::Lagging { seen: shown }),
                Verdict::TooFarAhead { shown, .. } => Some(ChainError::ImplausibleHead {
                    block: newest,
                    shown,
                }),
            };
            if let Some(why) = why {
                tracing::warn!(endpoint = %self.rpc.endpoint_name(endpoint), block = newest, %why, "height refused");
                excluded.insert(endpoint);
                if excluded.len() >= self.rpc.endpoint_count() {
                    self.head.lock().expect("not poisoned").refresh_refused();
                    return Err(why);
                }
                refused = Some(why);
                continue;
            }
            let gives_up_block = self.head.lock().expect("not poisoned").taken(newest, now);
            let mut reading = self.decode(newest, &results, endpoint);
            reading.gives_up_block = gives_up_block;
            reading.gas_price_wei = extra
                .first()
                .and_then(|v| v.as_ref().ok())
                .and_then(parse_quantity)
                .filter(|&wei| plausible_gas_price(wei))
                .map(U256::from);
            let mut offset = FIXED + 2 * self.settings.wallets.len();
            for pool in &found {
                let n = pools::state_read_count(pool);
                match results.get(offset..offset + n).and_then(|slice| {
                    pools::decode_state(pool, slice, self.settings.token, &self.settings.contracts)
                }) {
                    Some(r) => reading.pools.push(r),
                    None => reading.unread_pools.push(pool.address),
                }
                offset += n;
            }
            let mut allowances = HashMap::new();
            for &i in &due {
                let read = (offset..offset + spenders.len())
                    .map(|k| {
                        results
                            .get(k)
                            .and_then(|r| r.as_ref())
                            .and_then(decode_u256)
                    })
                    .collect();
                allowances.insert(i, read);
                offset += spenders.len();
            }
            self.allowances.lock().expect("not poisoned").fill(
                &mut reading.balances,
                &spenders,
                allowances,
            );
            // The V3 words and ticks read from the cache's plan, if still the ones needed.
            let mut offset = main_reads;
            for (address, (words, ticks)) in &v3_layout {
                let Some(v3) = reading
                    .pools
                    .iter_mut()
                    .find(|p| p.address == *address)
                    .and_then(|p| p.v3.as_mut())
                else {
                    offset += words.len() + ticks.len();
                    continue;
                };
                for (word, result) in words.iter().zip(&results[offset..]) {
                    if let Some(b) = result.as_ref().filter(|b| b.len() >= 32) {
                        v3.words.insert(*word, U256::from_be_slice(&b[..32]));
                    }
                }
                offset += words.len();
                for (tick, result) in ticks.iter().zip(&results[offset..]) {
                    if let Some(net) = pools::decode_liquidity_net(result) {
                        v3.liquidity_net.insert(*tick, net);
                    }
                }
                offset += ticks.len();
            }
            self.add_v3_ticks(&mut reading.pools, newest, &mut excluded)
                .await?;
            return Ok(reading);
        }
    }

    /// Sends the calls; the aggregate3 ones (all but `extra` at the end) are decoded. Returns
    /// each chunk's block number, the payload results in plan order, the endpoint that
    /// answered, and the raw answers of the extra calls.
    async fn fetch(
        &self,
        calls: &[RpcCall],
        reads: usize,
        excluded: &mut HashSet<usize>,
    ) -> Result<
        (
            Vec<u64>,
            Vec<ReadResult>,
            usize,
            Vec<super::rpc::CallResult>,
        ),
        ChainError,
    > {
        let (mut answers, endpoint) = self.rpc.call_many(calls, excluded).await?;
        let extra_from = calls
            .iter()
            .position(|c| c.method != "eth_call")
            .unwrap_or(calls.len());
        let extra = answers.split_off(extra_from);
        let multicall = self.settings.contracts.multicall3;
        let mut blocks = Vec::with_capacity(answers.len());
        let mut results = Vec::new();
        let per_chunk = self.settings.chunk - 1;
        for (i, answer) in answers.into_iter().enumerate() {
            let value = answer.map_err(|e| ChainError::Call(e.to_string()))?;
            let raw: Bytes = serde_json::from_value(value)
                .map_err(|e| ChainError::Call(format!("eth_call answered a non-hex value: {e}")))?;
            let mut chunk =
                decode_aggregate3(&raw).map_err(|_| ChainError::MulticallAbsent(multicall))?;
            // Results are matched to reads by position: a chunk answering more or fewer than
            // it was asked would show one wallet's figures against another's.
            let asked = reads.saturating_sub(i * per_chunk).min(per_chunk) + 1;
            if chunk.len() != asked {
                return Err(ChainError::Call(format!(
                    "an aggregate3 answer holds {} results for {asked} reads",
                    chunk.len()
                )));
            }
            let block = chunk
                .first()
                .and_then(|r| r.as_ref())
                .and_then(|b| IMulticall3::getBlockNumberCall::abi_decode_returns(b).ok())
                .ok_or(ChainError::MulticallAbsent(multicall))?;
            // A height past u64 is no height: taken as the highest block ever seen, it would
            // make every honest endpoint "lagging" for the rest of the session.
            let block = u64::try_from(block).map_err(|_| {
                ChainError::Call(format!(
                    "the endpoint reports an impossible block number {block}"
                ))
            })?;
            blocks.push(block);
            chunk.remove(0);
            results.extend(chunk);
        }
        Ok((blocks, results, endpoint, extra))
    }

    fn decode(&self, block: u64, results: &[ReadResult], endpoint: usize) -> ChainReading {
        let get = |i: usize| {
            results
                .get(i)
                .and_then(|r| r.as_ref())
                .filter(|b| !b.is_empty())
        };
        let timestamp = get(TIMESTAMP)
            .and_then(|b| IMulticall3::getCurrentBlockTimestampCall::abi_decode_returns(b).ok())
            .and_then(|t| i64::try_from(t).ok())
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let token_reads = [NAME, SYMBOL, DECIMALS, TOTAL_SUPPLY];
        let token = TokenFacts {
            has_code: token_reads.iter().any(|&i| get(i).is_some()),
            name: get(NAME).and_then(decode_text),
            symbol: get(SYMBOL).and_then(decode_text),
            decimals: get(DECIMALS).and_then(|b| IERC20::decimalsCall::abi_decode_returns(b).ok()),
            total_supply_raw: get(TOTAL_SUPPLY)
                .and_then(|b| IERC20::totalSupplyCall::abi_decode_returns(b).ok()),
        };
        let eth_usd = self.decode_feed(get(FEED_DECIMALS), get(FEED_ROUND), timestamp);
        let balances = self
            .settings
            .wallets
            .iter()
            .enumerate()
            .map(|(k, &address)| WalletBalance {
                address,
                pop_raw: get(FIXED + 2 * k).and_then(decode_u256),
                eth_wei: get(FIXED + 2 * k + 1)
                    .and_then(|b| IMulticall3::getEthBalanceCall::abi_decode_returns(b).ok()),
                allowances: Vec::new(),
            })
            .collect();
        ChainReading {
            observed_at: OffsetDateTime::now_utc(),
            block,
            gives_up_block: None,
            block_time: timestamp,
            endpoint: self.rpc.endpoint_name(endpoint),
            token,
            balances,
            eth_usd,
            pools: Vec::new(),
            unread_pools: Vec::new(),
            gas_price_wei: None,
            http_requests: 0,
            rpc_calls: 0,
        }
    }

    fn decode_feed(
        &self,
        decimals: Option<&Bytes>,
        round: Option<&Bytes>,
        now: OffsetDateTime,
    ) -> Result<EthUsd, String> {
        let feed = self.settings.contracts.eth_usd_feed;
        let (Some(decimals), Some(round)) = (decimals, round) else {
            return Err(format!("no answer from the ETH/USD feed at {feed}"));
        };
        let decimals = IAggregatorV3::decimalsCall::abi_decode_returns(decimals)
            .map_err(|e| format!("feed decimals: {e}"))?;
        let round = IAggregatorV3::latestRoundDataCall::abi_decode_returns(round)
            .map_err(|e| format!("feed round: {e}"))?;
        if round.answer <= alloy::primitives::I256::ZERO {
            return Err(format!("the ETH/USD feed answers {}", round.answer));
        }
        let updated_at = i64::try_from(round.updatedAt)
            .ok()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .ok_or_else(|| "the feed's updatedAt is not a time".to_owned())?;
        let stale = now - updated_at > self.settings.heartbeat * 3;
        Ok(EthUsd {
            answer: round.answer,
            decimals,
            updated_at,
            stale,
        })
    }
}

fn decode_u256(bytes: &Bytes) -> Option<U256> {
    (bytes.len() >= 32).then(|| U256::from_be_slice(&bytes[..32]))
}

/// An ERC-20 `name()`/`symbol()`: an ABI string, or a `bytes32` as some old tokens return.
pub fn decode_text(bytes: &Bytes) -> Option<String> {
    if let Ok(text) = IERC20::nameCall::abi_decode_returns(bytes) {
        return Some(capped(text));
    }
    if bytes.len() == 32 {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(32);
        return Some(String::from_utf8_lossy(&bytes[..end]).into_owned());
    }
    None
}

/// The longest token name or symbol popwatch keeps, in characters: a contract can return a
/// string of any length, and every view, log line and JSON document would carry it.
pub const MAX_TOKEN_TEXT: usize = 64;

/// `text` cut to [`MAX_TOKEN_TEXT`] characters, an ellipsis marking the cut.
fn capped(text: String) -> String {
    if text.chars().count() <= MAX_TOKEN_TEXT {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_TOKEN_TEXT - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolValue;

    #[test]
    fn names_decode_from_strings_and_bytes32() {
        let string = Bytes::from("POP Network Token".to_owned().abi_encode());
        assert_eq!(decode_text(&string).as_deref(), Some("POP Network Token"));
        let mut word = [0u8; 32];
        word[..3].copy_from_slice(b"MKR");
        assert_eq!(
            decode_text(&Bytes::from(word.to_vec())).as_deref(),
            Some("MKR")
        );
        assert_eq!(decode_text(&Bytes::from(vec![1, 2, 3])), None);
        // A name of any length from a contract is kept to 64 characters.
        let long = Bytes::from("N".repeat(100_000).abi_encode());
        let kept = decode_text(&long).unwrap();
        assert_eq!(kept.chars().count(), MAX_TOKEN_TEXT);
        assert!(kept.ends_with('…') && kept.starts_with("NNN"));
        let exact = "é".repeat(MAX_TOKEN_TEXT);
        assert_eq!(
            decode_text(&Bytes::from(exact.clone().abi_encode())),
            Some(exact)
        );
    }
}
