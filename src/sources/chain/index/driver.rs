//! The chain source's part in the log index: at each refresh, after the chain is read, the
//! index is extended to the block read (within a request budget, so the older history comes in
//! over several refreshes), its Transfers replayed and judged, and a summary sent.

use std::collections::HashMap;

use alloy::primitives::{Address, U256};
use time::OffsetDateTime;

use super::{IndexSettings, IndexStore, Indexer, Replay, StartSource, Transfer};
use crate::config::HoldersConfig;
use crate::sources::UpdateSender;
use crate::sources::chain::ChainError;
use crate::sources::chain::logs::ArchivedLogs;
use crate::sources::chain::rpc::RpcClient;
use crate::state::Update;
use crate::state::holders::HoldersReading;
use crate::state::transfers::{Completeness, IndexSummary};

/// Requests an extension may spend in one refresh of a running app: the recent blocks land in
/// the first refresh, the older history over the next ones, and a refresh never waits long.
pub const REFRESH_BUDGET: u64 = 60;

pub struct ChainIndex {
    store: IndexStore,
    indexer: Indexer,
    token: Address,
    configured_start: Option<u64>,
    start: Option<(u64, StartSource)>,
    /// Requests per extension; `None`: until done (a one-shot snapshot).
    budget: Option<u64>,
    /// The times (unix seconds) of the Transfers' blocks read so far: loaded from the history
    /// file once, then kept here and written through as more are read.
    times: Option<HashMap<u64, i64>>,
    /// Who is who among the holders (the pools are the chain reading's, set at each refresh).
    known: super::holders::Known,
    holders: HoldersConfig,
}

/// What the holders' figures need of the chain reading.
pub struct HoldersInput<'a> {
    /// Pools of every venue, with the venue's name.
    pub pools: &'a [(Address, String)],
    pub decimals: u8,
}

/// Where a token's deployment block is kept, by token: one history file may have indexed
/// another token before (`[token] address` changed, a devnet's new contract).
fn deployment_key(token: alloy::primitives::Address) -> String {
    format!("index.deployment_block.{token:#x}")
}

impl ChainIndex {
    /// The index kept through `conn`, a connection to the history file (migrated: the
    /// caller opens it through the history store).
    pub fn new(
        config: &crate::config::Config,
        conn: rusqlite::Connection,
        budget: Option<u64>,
    ) -> Self {
        let store = IndexStore::new(conn);
        // Found once, kept: the deployment block never changes (a fallback start is not
        // kept: another endpoint next time may serve the past state).
        let start = store
            .meta(&deployment_key(config.token.address))
            .ok()
            .flatten()
            .and_then(|block| block.parse().ok())
            .map(|block| (block, StartSource::Deployment));
        Self {
            store,
            indexer: Indexer::new(IndexSettings::from_config(config)),
            token: config.token.address,
            configured_start: config.token.start_block,
            start,
            budget,
            times: None,
            known: super::holders::Known::from_config(config, Vec::new()),
            holders: config.holders.clone(),
        }
    }

    /// Where the index starts: the deployment block found (or kept from an earlier run), else
    /// the configured or earliest block.
    async fn start(
        &mut self,
        rpc: &RpcClient,
        head: u64,
    ) -> Result<(u64, StartSource), ChainError> {
        if let Some(found) = &self.start {
            return Ok(found.clone());
        }
        let found =
            crate::sources::chain::index::start::find(rpc, self.token, head, self.configured_start)
                .await?;
        if found.1 == StartSource::Deployment {
            let _ = self
                .store
                .set_meta(&deployment_key(self.token), &found.0.to_string());
        }
        // A fallback is kept for the session only: another endpoint next time may serve the
        // past state.
        self.start = Some(found.clone());
        Ok(found)
    }

    /// Extends the index of the token and `pools` over `[from, head]` (from the start where
    /// that is later), spending at most `budget` requests; progress goes to `out` as ranges
    /// land.
    async fn extend(
        &mut self,
        rpc: &RpcClient,
        (from, head): (u64, u64),
        pools: &[Address],
        budget: Option<u64>,
        confirm: bool,
        out: &UpdateSender,
    ) -> Result<(), ChainError> {
        let (start, _) = self.start(rpc, head).await?;
        let streams: Vec<Address> = std::iter::once(self.token)
            .chain(pools.iter().copied().filter(|p| *p != self.token))
            .collect();
        let mut report = |p| {
            let _ = out.send(Update::IndexProgress(Some(p)));
        };
        let target = crate::sources::chain::index::Target {
            streams: &streams,
            start: start.max(from),
            head,
        };
        let extended = if confirm {
            self.indexer
                .extend(rpc, &mut self.store, target, budget, &mut report)
                .await
        } else {
            self.indexer
                .extend_older(rpc, &mut self.store, target, budget, &mut report)
                .await
        };
        let _ = out.send(Update::IndexProgress(None));
        extended.map(|_| ())
    }

    /// Extends the index over the recent blocks, `[from, head]`, whatever it costs: the
    /// wallets' window is read from there (the same requests a scan of the node would take),
    /// before the older history.
    pub async fn extend_recent(
        &mut self,
        rpc: &RpcClient,
        (from, head): (u64, u64),
        pools: &[Address],
        out: &UpdateSender,
    ) -> Result<(), ChainError> {
        self.extend(rpc, (from, head), pools, None, true, out).await
    }

    /// Extends the index back towards the token's start (within the refresh budget: older
    /// history comes in over several refreshes, after each one's updates are out), then
    /// replays and judges it.
    pub async fn extend_older_and_judge(
        &mut self,
        rpc: &RpcClient,
        head: u64,
        pools: &[Address],
        total_supply: Option<U256>,
        out: &UpdateSender,
    ) -> Result<IndexSummary, ChainError> {
        // The recent blocks' extension read the confirmation window of this head.
        self.extend(rpc, (0, head), pools, self.budget, false, out)
            .await?;
        Ok(self.judge(rpc, head, total_supply).await?.summary)
    }

    /// [`ChainIndex::extend_older_and_judge`], then who holds the token: the largest
    /// holders' balances and code read in one batched round, the supply's breakdown and the
    /// monthly activity (block times read within the refresh's budget). No holders without
    /// `totalSupply`: the breakdown would have nothing to add up to.
    pub async fn extend_judge_and_count_holders(
        &mut self,
        rpc: &RpcClient,
        head: u64,
        input: HoldersInput<'_>,
        total_supply: Option<U256>,
        out: &UpdateSender,
    ) -> Result<(IndexSummary, Option<HoldersReading>), ChainError> {
        let streams: Vec<Address> = input.pools.iter().map(|(a, _)| *a).collect();
        self.extend(rpc, (0, head), &streams, self.budget, false, out)
            .await?;
        let Judged {
            summary,
            replayed,
            transfers,
            chain,
        } = self.judge(rpc, head, total_supply).await?;
        let Some(supply) = total_supply else {
            return Ok((summary, None));
        };
        self.known.pools = input.pools.to_vec();
        let blocks: Vec<u64> = transfers.iter().map(|t| t.block).collect();
        self.block_times(rpc, &blocks, head, self.budget).await?;
        let no_times = HashMap::new();
        let times = self.times.as_ref().unwrap_or(&no_times);
        let reading = super::holders::compute(
            &replayed,
            &transfers,
            supply,
            matches!(summary.completeness, Completeness::Complete { .. }),
            head,
            &self.known,
            &chain,
            times,
            super::holders::Settings {
                top: self.top(),
                dust_floor: self
                    .holders
                    .dust_tokens
                    .to_raw(input.decimals)
                    .unwrap_or(U256::MAX),
            },
        );
        for holder in reading.top.iter().filter(|h| h.differs()) {
            tracing::warn!(
                address = %holder.address,
                replayed = %holder.replayed,
                chain = ?holder.chain,
                "holder: the replayed balance is not the chain's"
            );
        }
        Ok((summary, Some(reading)))
    }

    /// How many of the largest holders are listed (their balance and code read).
    fn top(&self) -> usize {
        usize::try_from(self.holders.top).unwrap_or(usize::MAX)
    }

    /// The times of `blocks` (in chain order): those read before, and those not yet read,
    /// newest first, within `budget` (`None`: all of them), kept for next time. A time that
    /// could not be read stays unknown.
    async fn block_times(
        &mut self,
        rpc: &RpcClient,
        blocks: &[u64],
        head: u64,
        budget: Option<u64>,
    ) -> Result<(), ChainError> {
        let failed = |e: rusqlite::Error| {
            ChainError::Call(format!("the block times could not be kept: {e}"))
        };
        if self.times.is_none() {
            self.times = Some(self.store.block_times().map_err(failed)?);
        }
        let times = self.times.get_or_insert_with(HashMap::new);
        let mut missing: Vec<u64> = blocks
            .iter()
            .copied()
            .filter(|b| !times.contains_key(b))
            .collect();
        missing.dedup();
        // Newest first: the recent months fill in first.
        missing.reverse();
        while !missing.is_empty() {
            let read = super::holders::read_block_times(rpc, &missing, head).await;
            if read.is_empty() {
                break;
            }
            self.store.add_block_times(&read).map_err(failed)?;
            times.extend(read.iter().copied());
            missing.retain(|b| !times.contains_key(b));
            if budget.is_some() {
                break;
            }
        }
        Ok(())
    }

    /// The index replayed and judged against `total_supply` at `head`. Where every block
    /// was read and the replay still does not add up, the ranges read below the history
    /// expiry block are asked again of the other endpoints first (a node there may have
    /// answered short without a word), and the index judged again.
    async fn judge(
        &mut self,
        rpc: &RpcClient,
        head: u64,
        total_supply: Option<U256>,
    ) -> Result<Judged, ChainError> {
        let (start, source) = self.start(rpc, head).await?;
        let failed =
            |e: rusqlite::Error| ChainError::Call(format!("the log index could not be read: {e}"));
        let mut rechecked = false;
        let (replayed, transfers, completeness, chain) = loop {
            let transfers = self.store.transfers(self.token).map_err(failed)?;
            let replayed = crate::sources::chain::index::replay(&transfers);
            // One batched round: the largest holders' balanceOf and code (for the holders),
            // and what the burn addresses hold (tokens sent to 0x0 may be destroyed or kept
            // in totalSupply, and a token may do both: the judgement needs the chain's word).
            let mut addresses: Vec<Address> = super::holders::largest(&replayed, self.top())
                .into_iter()
                .map(|(a, _)| a)
                .collect();
            addresses.extend([crate::state::holders::DEAD, Address::ZERO]);
            addresses.sort();
            addresses.dedup();
            let chain = super::holders::read_chain_view(rpc, self.token, &addresses, head).await;
            let zero_balance = chain.get(&Address::ZERO).and_then(|(balance, _)| *balance);
            let coverage = self.store.coverage(self.token).map_err(failed)?;
            let unavailable = self.store.unavailable(self.token).map_err(failed)?;
            let completeness = crate::sources::chain::index::judge(
                &replayed,
                &coverage,
                &unavailable,
                start,
                head,
                total_supply,
                zero_balance,
            );
            let read_all = unavailable.is_empty()
                && coverage
                    .iter()
                    .any(|(from, to)| *from <= start && *to >= head);
            let short = matches!(completeness, Completeness::Partial { .. }) && read_all;
            if rechecked || !short || !self.indexer.read_below_expiry() {
                break (replayed, transfers, completeness, chain);
            }
            rechecked = true;
            let done = self
                .indexer
                .recheck_below_expiry(rpc, &mut self.store, head)
                .await?;
            tracing::info!(
                ?done,
                "index: the replay did not add up; ranges below the history expiry asked again"
            );
        };
        // The first and last Transfer's times at once, whatever the budget.
        let ends: Vec<u64> = [replayed.first, replayed.last]
            .iter()
            .flatten()
            .map(|t| t.block)
            .collect();
        self.block_times(rpc, &ends, head, None).await?;
        let times = self.times.as_ref();
        let seen = |t: Transfer| {
            t.seen(
                times
                    .and_then(|times| times.get(&t.block))
                    .and_then(|s| OffsetDateTime::from_unix_timestamp(*s).ok()),
            )
        };
        let first_transfer = replayed.first.map(seen);
        let last_transfer = replayed.last.map(seen);
        let summary = IndexSummary {
            start_block: start,
            start_source: source.describe(),
            completeness,
            logs: self.store.log_count().map_err(failed)?,
            transfers: replayed.transfers,
            holders: replayed.balances.len(),
            first_transfer,
            last_transfer,
        };
        Ok(Judged {
            summary,
            replayed,
            transfers,
            chain,
        })
    }

    /// Where the index starts and whether that is the contract's deployment (nothing of the
    /// token exists before it) once found.
    fn deployment(&self) -> Option<u64> {
        match &self.start {
            Some((block, StartSource::Deployment)) => Some(*block),
            _ => None,
        }
    }

    /// The token's every log from `since` to `head`, where the index holds them all (it has
    /// read every block from `since`, or from the deployment block when that is later: nothing
    /// of the token exists before it), for the window scan of the wallets' transfers and
    /// approvals; `None` where it does not.
    pub fn token_logs_since(&self, since: u64, head: u64) -> Option<ArchivedLogs> {
        let from = since.max(self.deployment()?);
        let covered = self.store.coverage(self.token).ok()?;
        if from <= head && !covered.iter().any(|(a, b)| *a <= from && *b >= head) {
            return None;
        }
        let logs = if from <= head {
            self.store.logs_of(self.token, (from, head)).ok()?
        } else {
            Vec::new()
        };
        Some(ArchivedLogs {
            from: since,
            logs: logs.iter().map(super::IndexedLog::to_json).collect(),
        })
    }
}

/// What a judgement found: the summary, the replay and the Transfers it came from, and the
/// chain's word on the largest holders and the burn addresses.
struct Judged {
    summary: IndexSummary,
    replayed: Replay,
    transfers: Vec<Transfer>,
    chain: super::holders::ChainView,
}
