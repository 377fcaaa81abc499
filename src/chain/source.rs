//! The chain as a `Source`: each refresh reads once and sends what it found.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::reader::ChainReader;
use crate::config::Config;
use crate::source::{Source, UpdateSender};
use crate::state::{SourceName, Update};

pub struct ChainSource {
    reader: Arc<ChainReader>,
    interval: Duration,
}

impl ChainSource {
    pub fn new(config: &Config) -> Self {
        Self {
            reader: Arc::new(ChainReader::from_config(config)),
            interval: Duration::from_secs(config.refresh_secs),
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
            let _ = out.send(match outcome.reading {
                Ok(reading) => Update::ChainRead(Box::new(reading)),
                Err(e) => {
                    tracing::warn!(error = %e, "chain refresh failed");
                    Update::SourceFailed {
                        source: SourceName::Chain,
                        error: e.to_string(),
                    }
                }
            });
        })
    }
}
