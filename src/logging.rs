//! Logs go to a file in the data directory, never to the terminal (the TUI owns it), without
//! ANSI colours. `POPWATCH_LOG` takes an `EnvFilter` directive (`debug`, `popwatch=trace`, ...).

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub const LOG_ENV: &str = "POPWATCH_LOG";
pub const LOG_FILE: &str = "popwatch.log";

/// Keeps the log writer alive; dropping it flushes the last lines.
pub struct LogGuard {
    _guard: WorkerGuard,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(
        "no data directory for the log file; set {}",
        crate::dirs::DATA_DIR_ENV
    )]
    NoDataDir,
    #[error("cannot create the log directory {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("{LOG_ENV} is not a valid filter: {0}")]
    Filter(String),
}

/// Installs the global subscriber writing to `<data dir>/popwatch.log`.
pub fn init() -> Result<LogGuard, LogError> {
    let dir = crate::dirs::data_dir().ok_or(LogError::NoDataDir)?;
    std::fs::create_dir_all(&dir).map_err(|source| LogError::CreateDir {
        dir: dir.clone(),
        source,
    })?;
    let filter = match std::env::var(LOG_ENV) {
        Ok(directive) if !directive.is_empty() => {
            EnvFilter::try_new(&directive).map_err(|e| LogError::Filter(e.to_string()))?
        }
        _ => EnvFilter::new("info"),
    };
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, LOG_FILE));
    // A second init (tests calling twice) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(LogGuard {
        _guard: guard,
        path: dir.join(LOG_FILE),
    })
}
