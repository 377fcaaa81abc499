//! Logs go to a file in the data directory, never to the terminal (the TUI owns it), without
//! ANSI colours. `POPWATCH_LOG` takes an `EnvFilter` directive (`debug`, `popwatch=trace`, ...).

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

pub const LOG_ENV: &str = "POPWATCH_LOG";
pub const LOG_FILE: &str = "popwatch.log";
/// Lines the log writer's queue holds before it drops new ones.
const LOG_QUEUE_LINES: usize = 4_096;

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
    let file = tracing_appender::rolling::never(&dir, LOG_FILE);
    // The default queue preallocates 128,000 lines (4 MB); a few thousand is plenty for a
    // process that logs a few lines a refresh (when it is full, lines are dropped, not waited
    // for: logging never slows the app).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(SanitizingWriter(file));
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

/// Makes every log line safe to `cat` or `tail -f` in a terminal: a token name, an API string
/// or a node's error message carrying escape sequences or bidi overrides reaches the file
/// with those characters replaced. tracing-subscriber escapes ESC in messages but not C1
/// controls, bidi or zero-width characters, and fields shown with `%` are written raw.
/// Each write is one whole formatted event, so no character is split between writes.
pub struct SanitizingWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for SanitizingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        if text
            .chars()
            .any(|c| c != '\n' && c != '\t' && crate::format::is_unsafe_char(c))
        {
            let clean: String = text
                .chars()
                .map(|c| {
                    if c != '\n' && c != '\t' && crate::format::is_unsafe_char(c) {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect();
            self.0.write_all(clean.as_bytes())?;
        } else {
            self.0.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn log_lines_lose_escape_sequences_and_keep_their_breaks() {
        let mut out = SanitizingWriter(Vec::new());
        let line = "WARN token name=\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}POP\tok\n";
        assert_eq!(out.write(line.as_bytes()).unwrap(), line.len());
        let written = String::from_utf8(out.0).unwrap();
        assert!(
            !written
                .chars()
                .any(|c| c != '\n' && c != '\t' && crate::format::is_unsafe_char(c)),
            "{written:?}"
        );
        assert!(written.ends_with("POP\tok\n"));
        assert!(written.contains("]0;pwned"), "the text stays readable");
    }
}
