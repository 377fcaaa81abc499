//! The chain as a `Source`: each refresh reads once and sends what it found.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::exits;
use super::logs::LogScanner;
use super::reader::ChainReader;
use crate::config::Config;
use crate::source::{Source, UpdateSender};
use crate::state::{SourceName, Update};

pub struct ChainSource {
    reader: Arc<ChainReader>,
    scanner: LogScanner,
    interval: Duration,
    /// Used when the token does not answer `decimals()`.
    expected_decimals: u8,
    /// Exit math of earlier refreshes, reused while pools and balances stay put.
    exit_cache: exits::ExitCache,
}

impl ChainSource {
    pub fn new(config: &Config) -> Self {
        let contracts = config.chain.contracts.resolve();
        Self {
            scanner: LogScanner::new(
                config.token.address,
                contracts.multicall3,
                config.wallets.iter().map(|w| w.address).collect(),
                config.chain.logs_chunk_blocks,
                config.chain.scan_days,
            ),
            reader: Arc::new(ChainReader::from_config(config)),
            interval: Duration::from_secs(config.refresh_secs),
            expected_decimals: config.token.expected_decimals,
            exit_cache: exits::ExitCache::default(),
        }
    }

    pub fn reader(&self) -> &ChainReader {
        &self.reader
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
                    let decimals = reading.token.decimals.unwrap_or(self.expected_decimals);
                    let started = std::time::Instant::now();
                    // CPU work (milliseconds to hundreds for thousands of wallets): off the
                    // async threads, so nothing else waits for it.
                    let mut cache = std::mem::take(&mut self.exit_cache);
                    let computed = tokio::task::spawn_blocking(move || {
                        let exits = exits::compute_cached(&reading, decimals, &mut cache);
                        (reading, exits, cache)
                    })
                    .await;
                    let Ok((reading, mut exits, cache)) = computed else {
                        let _ = out.send(Update::SourceFailed {
                            source: SourceName::Chain,
                            error: "the exit math failed on this reading".to_owned(),
                        });
                        return;
                    };
                    self.exit_cache = cache;
                    let computed = started.elapsed();
                    self.reader.check_sells(&mut exits, reading.block).await;
                    tracing::debug!(
                        ?computed,
                        sell_checks = ?(started.elapsed() - computed),
                        "exits"
                    );
                    let block = reading.block;
                    let _ = out.send(Update::ChainRead(Box::new(reading)));
                    let _ = out.send(Update::Exits(Box::new(exits)));
                    match self.scanner.scan(self.reader.rpc(), block).await {
                        Ok(logs) => {
                            tracing::debug!(block, get_logs = logs.get_logs_calls, "log scan");
                            let _ = out.send(Update::Logs(Box::new(logs)));
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "log scan failed; it resumes next refresh");
                            let _ = out.send(Update::LogsFailed {
                                error: e.to_string(),
                            });
                        }
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
