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
    let file = DailyLog::open(&dir).map_err(|source| LogError::CreateDir {
        dir: dir.clone(),
        source,
    })?;
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

/// Rotated log files kept beside the current one (`popwatch.log.<date>`), the newest first.
pub const LOG_DAYS_KEPT: usize = 5;

/// `popwatch.log`, private (0600), started afresh at the first write of each UTC day: the
/// day's file is renamed `popwatch.log.<its date>` and only the [`LOG_DAYS_KEPT`] newest of
/// those are kept, so the log never grows without bound (about 1.3 MB a day while offline).
pub struct DailyLog {
    dir: PathBuf,
    file: std::fs::File,
    day: time::Date,
}

impl DailyLog {
    pub fn open(dir: &std::path::Path) -> std::io::Result<Self> {
        let path = dir.join(LOG_FILE);
        let today = time::OffsetDateTime::now_utc().date();
        // A file last written on an earlier day (the app was not running at midnight).
        if let Some(day) = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .map(|t| time::OffsetDateTime::from(t).date())
            .filter(|day| *day != today)
        {
            rotate(dir, day)?;
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            file: crate::fsutil::open_private_append(&path)?,
            day: today,
        })
    }
}

impl std::io::Write for DailyLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let today = time::OffsetDateTime::now_utc().date();
        if today != self.day {
            self.file.flush()?;
            rotate(&self.dir, self.day)?;
            self.file = crate::fsutil::open_private_append(&self.dir.join(LOG_FILE))?;
            self.day = today;
        }
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Renames `popwatch.log` to `popwatch.log.<day>` and removes the oldest rotated files past
/// [`LOG_DAYS_KEPT`].
fn rotate(dir: &std::path::Path, day: time::Date) -> std::io::Result<()> {
    let current = dir.join(LOG_FILE);
    if current.exists() {
        std::fs::rename(&current, dir.join(format!("{LOG_FILE}.{day}")))?;
    }
    let prefix = format!("{LOG_FILE}.");
    let mut rotated: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.strip_prefix(&prefix).is_some_and(|d| d.len() == 10))
        .collect();
    // ISO dates sort by time.
    rotated.sort_unstable_by(|a, b| b.cmp(a));
    for old in rotated.iter().skip(LOG_DAYS_KEPT) {
        let _ = std::fs::remove_file(dir.join(old));
    }
    Ok(())
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
        // One write is one event: its last line break ends it; any other one came from a
        // field (a token name with a newline) and would forge a log line of its own.
        let body = text.strip_suffix('\n').unwrap_or(&text);
        let unsafe_char = |c: char| c != '\t' && crate::format::is_unsafe_char(c);
        if body.chars().any(unsafe_char) {
            let mut clean: String = body
                .chars()
                .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
                .collect();
            if body.len() < text.len() {
                clean.push('\n');
            }
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

    #[test]
    fn the_log_is_private_and_a_stale_one_is_rotated_keeping_five_days() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(LOG_FILE);
        // Seven rotated days and yesterday's current file, world-readable.
        for day in 1..=7 {
            std::fs::write(dir.path().join(format!("{LOG_FILE}.2026-11-0{day}")), "old").unwrap();
        }
        std::fs::write(&path, "yesterday\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let yesterday = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(yesterday)
            .unwrap();
        let mut log = DailyLog::open(dir.path()).unwrap();
        log.write_all(b"today\n").unwrap();
        log.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "today\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let mut rotated: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().into_string().unwrap())
            .filter(|n| n.starts_with(&format!("{LOG_FILE}.")))
            .collect();
        rotated.sort();
        assert_eq!(rotated.len(), LOG_DAYS_KEPT, "{rotated:?}");
        let day = time::OffsetDateTime::from(yesterday).date();
        assert!(
            rotated.contains(&format!("{LOG_FILE}.{day}")),
            "{rotated:?}"
        );
        assert!(
            !rotated.contains(&format!("{LOG_FILE}.2026-11-01")),
            "the oldest went"
        );
    }

    #[test]
    fn a_newline_inside_an_event_cannot_forge_a_log_line() {
        let mut out = SanitizingWriter(Vec::new());
        let forged = "DEBUG chain read name=POP\n2026-12-01T00:00:00Z ERROR forged\n";
        out.write_all(forged.as_bytes()).unwrap();
        let written = String::from_utf8(out.0).unwrap();
        assert_eq!(written.lines().count(), 1, "{written:?}");
        assert!(written.ends_with('\n'));
        // Invisibles a terminal draws as nothing are replaced too.
        let mut out = SanitizingWriter(Vec::new());
        out.write_all("name=\u{3164}\u{115F}P\u{FE0F}OP\n".as_bytes())
            .unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "name=\u{FFFD}\u{FFFD}P\u{FFFD}OP\n"
        );
    }
}
