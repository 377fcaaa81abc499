//! Where the figures come from: the shape of a source (a task that refreshes on its own
//! interval and sends typed `Update`s; sources never touch the state or the UI), the chain and
//! market sources, the demo's simulated one, and the runner that runs them.

pub mod chain;
pub mod demo;
pub mod market;
pub mod runner;

use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::state::{SourceName, Update};

pub type UpdateSender = mpsc::UnboundedSender<Update>;

pub trait Source: Send {
    /// The name shown in the status bar and in `snapshot`'s `sources`.
    fn name(&self) -> SourceName;
    /// Time between refreshes when running continuously.
    fn interval(&self) -> Duration;
    /// Reads the source once and sends what it found. Never fails: a failure is an `Update`.
    fn refresh(&mut self, out: UpdateSender) -> BoxFuture<'_, ()>;
}

/// The sources this build can read, for a config. Sources that are not built yet are reported
/// by [`unavailable_updates`] instead, so no front end invents their figures.
pub fn sources_for(config: &Config) -> Vec<Box<dyn Source>> {
    sources_indexed(config, None)
}

/// [`sources_for`], the chain source extending the log index kept in `index`'s history file
/// (the data directory) with at most `budget` requests per refresh (`None`: until done).
pub fn sources_indexed(config: &Config, index: Option<IndexHandle>) -> Vec<Box<dyn Source>> {
    // One HTTP client (one connection pool, root certificates loaded once) for them all.
    let http = crate::net::http_client(std::time::Duration::from_secs(config.chain.timeout_secs));
    let mut sources: Vec<Box<dyn Source>> =
        vec![Box::new(chain_source(config, http.clone(), index))];
    for market in crate::sources::market::sources_for(config, http) {
        sources.push(Box::new(market));
    }
    sources
}

/// The log index to extend: a connection to the history file, and the requests an extension
/// may spend per refresh (`None`: until done).
pub type IndexHandle = (rusqlite::Connection, Option<u64>);

/// The chain source, extending the log index where one is given.
pub fn chain_source(
    config: &Config,
    http: reqwest::Client,
    index: Option<IndexHandle>,
) -> crate::sources::chain::ChainSource {
    let source = crate::sources::chain::ChainSource::with_http(config, http);
    match index {
        Some((conn, budget)) => source.with_index(crate::sources::chain::index::ChainIndex::new(
            config, conn, budget,
        )),
        None => source,
    }
}

/// `SourceUnavailable` for every source that [`sources_for`] does not provide.
pub fn unavailable_updates(sources: &[Box<dyn Source>]) -> Vec<Update> {
    SourceName::ALL
        .into_iter()
        // The Chainlink feed is read by the chain source, in the same multicall.
        .filter(|name| *name != SourceName::Chainlink)
        .filter(|name| sources.iter().all(|s| s.name() != *name))
        .map(|source| Update::SourceUnavailable {
            source,
            reason: "not built yet".to_owned(),
        })
        .collect()
}

/// Runs every source once, concurrently, and returns the updates in the order they arrived.
pub async fn refresh_all_once(sources: &mut [Box<dyn Source>]) -> Vec<Update> {
    refresh_all_once_watching(sources, |_| {}).await
}

/// [`refresh_all_once`], `watch` seeing each update as it arrives (a one-shot command's
/// progress line).
pub async fn refresh_all_once_watching(
    sources: &mut [Box<dyn Source>],
    mut watch: impl FnMut(&Update),
) -> Vec<Update> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let refreshing = async {
        let failed = futures::future::join_all(sources.iter_mut().map(|s| {
            let name = s.name();
            runner::contained(name, s.refresh(tx.clone()))
        }))
        .await;
        for update in failed.into_iter().filter_map(Result::err) {
            let _ = tx.send(update);
        }
        drop(tx);
    };
    let collecting = async {
        let mut updates = Vec::new();
        while let Some(update) = rx.recv().await {
            watch(&update);
            updates.push(update);
        }
        updates
    };
    let ((), updates) = futures::join!(refreshing, collecting);
    updates
}
