//! The terminal app's driver: it sets up the monitor (history, alert command) and the runner,
//! then one loop merges terminal input, the sources' events and a clock tick in one
//! `tokio::select!`, hands the sources' events to the monitor, and draws when something
//! changed (and once a second, for ages and clocks). The loop is generic over the ratatui
//! backend and the input stream, so tests drive the real loop on `TestBackend`.

use std::io::{self, Write};
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::{Action, App, action_for};
use crate::config::Config;
use crate::monitor::{Monitor, Settled};
use crate::sources::runner::{Runner, SourceEvent};
use crate::sources::{Source, unavailable_updates};
use crate::state::{AppState, SourceName, Update};

/// How often the loop wakes without input: often enough for a clock, rare enough to idle.
const TICK: Duration = Duration::from_millis(250);

/// Runs the terminal app until the user quits. `demo` swaps the sources for the simulated one.
pub async fn run(
    config: Config,
    sources: Vec<Box<dyn Source>>,
    demo: bool,
    config_path: Option<std::path::PathBuf>,
    cli_wallets: bool,
) -> io::Result<()> {
    // Listening from here: SIGTERM or SIGHUP arriving once the first frame is up (before the
    // loop below is first polled) ends the app cleanly too.
    let termination = crate::signals::listen();
    let data_dir = crate::dirs::data_dir();
    let mut app = prepare(
        &config,
        &sources,
        demo,
        data_dir.as_deref(),
        OffsetDateTime::now_utc(),
    );
    // The config's wallets are edited in the app and followed live, unless this session
    // watches `--wallet` addresses instead (or simulated ones).
    let mut live = (!demo && !cli_wallets)
        .then(|| config_path.clone())
        .flatten()
        .map(|path| super::LiveConfig::new(path, config.clone()));
    app.wallets_editable = live.is_some();
    app.config_path = config_path;
    let (tx, mut rx) = mpsc::unbounded_channel::<SourceEvent>();
    let mut runner = Runner::spawn(sources, tx);
    let mut terminal = ratatui::try_init()?;
    let owned = OwnedTerminal::take();
    let mut host = RealTerminal {
        bell: config.alert_bell,
        mouse: true,
    };
    let input = EventStream::new().inspect(debug_panic_on_key());
    // A panic of the loop itself (a bug) unwinds to here: the terminal is restored once, below,
    // and then the panic is reported on the screen the user has back.
    let looping = std::panic::AssertUnwindSafe(event_loop(
        &mut terminal,
        &mut app,
        &mut rx,
        input,
        Some(&mut runner),
        live.as_mut(),
        &mut host,
    ))
    .catch_unwind();
    // SIGTERM, SIGHUP (and SIGINT, though raw mode turns Ctrl-C into a key) end the app as `q`
    // does: the loop is dropped, the terminal restored below, the history's writes landed.
    let result = tokio::select! {
        result = looping => result,
        () = termination.wait() => Ok(Ok(())),
    };
    drop(owned);
    drop(runner);
    app.monitor.finish();
    result.unwrap_or_else(|_| {
        let what = UI_PANIC
            .lock()
            .ok()
            .and_then(|mut p| p.take())
            .unwrap_or_else(|| "unknown".to_owned());
        Err(io::Error::other(format!(
            "internal error: {what}; a bug, please report it (the history and config are intact)"
        )))
    })
}

/// The terminal in popwatch's hands (raw mode, the alternate screen, mouse capture): given
/// back exactly once, when this is dropped, whether the loop returned or panicked.
struct OwnedTerminal;

impl OwnedTerminal {
    fn take() -> Self {
        restore_only_for_ui_panics();
        let _ = crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture);
        OwnedTerminal
    }
}

impl Drop for OwnedTerminal {
    fn drop(&mut self) {
        let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
        ratatui::restore();
    }
}

/// The message of the terminal thread's last panic, reported once the terminal is back.
static UI_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// In debug builds only, `POPWATCH_DEBUG_PANIC_KEY=<char>` makes that key panic the loop: the
/// end-to-end test of what a bug in the loop leaves behind (tests/integration/terminal.rs).
fn debug_panic_on_key() -> impl FnMut(&io::Result<TermEvent>) {
    let key = cfg!(debug_assertions)
        .then(|| std::env::var("POPWATCH_DEBUG_PANIC_KEY").ok())
        .flatten()
        .and_then(|v| v.chars().next());
    move |event| {
        if let (Some(key), Ok(TermEvent::Key(pressed))) = (key, event)
            && pressed.code == crossterm::event::KeyCode::Char(key)
        {
            panic!("the debug panic key was pressed");
        }
    }
}

/// The app before its loop starts: opened on the last recorded figures of the history in
/// `data_dir` (never in the demo: simulated figures must not mix with real ones), over the
/// monitor every driver runs. After the loop, `app.monitor.finish()` lets the last writes land.
pub fn prepare(
    config: &Config,
    sources: &[Box<dyn Source>],
    demo: bool,
    data_dir: Option<&std::path::Path>,
    now: OffsetDateTime,
) -> App {
    let mut state = AppState::new(config);
    let mut store = None;
    if !demo && let Some(dir) = data_dir {
        match crate::history::Store::open_in(dir) {
            Ok(opened) => {
                // Open on the last recorded figures (shown stale, with their age) and charts, and
                // report the transfers since the last block an earlier run processed.
                for update in crate::history::restored_update(&opened)
                    .into_iter()
                    .chain(opened.logs_block().map(Update::ResumeFrom))
                    .chain(crate::history::recorded_updates(&opened, now))
                {
                    state.apply(update);
                }
                store = Some(opened);
            }
            Err(e) => tracing::warn!(error = %e, "running without history"),
        }
    }
    if !demo {
        for update in unavailable_updates(sources) {
            state.apply(update);
        }
    }
    let monitor = Monitor::for_sources(config, state, sources, store, now);
    let mut app = App::with_monitor(monitor, now);
    app.demo = demo;
    app
}

/// ratatui's panic hook would give the terminal back on any panic, and print over the screen.
/// A panic in a source task is contained (the runner turns it into a failed refresh) and the
/// app goes on, so it is only logged. A panic of the thread that owns the terminal is kept for
/// [`run`] to report once it has restored the terminal (once, on the way out).
fn restore_only_for_ui_panics() {
    let ui_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or("unknown");
        let what = crate::format::sanitize(&match info.location() {
            Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
            None => message.to_owned(),
        });
        if std::thread::current().id() == ui_thread {
            tracing::error!(panic = %what, "panic of the terminal's loop");
            if let Ok(mut slot) = UI_PANIC.lock() {
                *slot = Some(what);
            }
        } else {
            tracing::error!(panic = %what, "panic off the terminal's thread");
        }
    }));
}

/// What the loop asks of the terminal it runs in, beyond drawing.
pub trait Host<B: Backend> {
    /// New events arrived (the bell, where asked for).
    fn alert(&mut self);
    /// Ctrl-Z: give the terminal back until the job is continued.
    fn suspend(&mut self, terminal: &mut Terminal<B>) -> io::Result<()>;
    /// `y`: put `text` on the clipboard.
    fn copy(&mut self, _text: &str) {}
    /// `m`: capture the mouse, or give it to the terminal.
    fn capture_mouse(&mut self, _captured: bool) {}
}

/// The terminal popwatch was started in.
struct RealTerminal {
    bell: bool,
    /// Whether popwatch holds the mouse (`m` toggles it), so a resumed job takes it back
    /// only if it had it.
    mouse: bool,
}

impl<B: Backend> Host<B> for RealTerminal {
    /// OSC 52: the terminal (or tmux with `set-clipboard on`, or the SSH client's terminal)
    /// puts the text on the system clipboard; a terminal without it ignores the sequence.
    fn copy(&mut self, text: &str) {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let _ = write!(io::stdout(), "\x1b]52;c;{encoded}\x07");
        let _ = io::stdout().flush();
    }

    fn capture_mouse(&mut self, captured: bool) {
        self.mouse = captured;
        let _ = if captured {
            crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)
        } else {
            crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture)
        };
    }

    fn alert(&mut self) {
        if self.bell {
            let _ = io::stdout().write_all(b"\x07");
        }
    }

    fn suspend(&mut self, terminal: &mut Terminal<B>) -> io::Result<()> {
        let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
        ratatui::restore();
        io::stdout().flush()?;
        #[cfg(unix)]
        // SAFETY: raise(3) with a valid signal number has no memory-safety preconditions.
        unsafe {
            libc::raise(libc::SIGTSTP);
        }
        // Continued (`fg`): the terminal is ours again.
        let _ = ratatui::try_init()?;
        restore_only_for_ui_panics();
        if self.mouse {
            let _ = crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture);
        }
        terminal
            .clear()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

/// The loop: until the user quits, or the input ends. `runner` is woken by `r` where there is
/// one.
pub async fn event_loop<B, I, H>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    sources: &mut mpsc::UnboundedReceiver<SourceEvent>,
    mut input: I,
    mut runner: Option<&mut Runner>,
    mut live: Option<&mut super::LiveConfig>,
    host: &mut H,
) -> io::Result<()>
where
    B: Backend,
    I: Stream<Item = io::Result<TermEvent>> + Unpin,
    H: Host<B>,
{
    let draw_error = |e: B::Error| io::Error::other(e.to_string());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The first frame, before any source has answered: everything loading.
    terminal
        .draw(|f| crate::tui::widgets::draw(f, app))
        .map_err(draw_error)?;
    let mut drawn_second = app.now.unix_timestamp();
    loop {
        let (mut dirty, settled) = tokio::select! {
            term = input.next() => match term {
                Some(Ok(term)) => (on_input(terminal, app, term)?, None),
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(event) = sources.recv() => {
                if let SourceEvent::Refreshed { source: SourceName::Chain, next } = &event {
                    app.next_refresh = Some(*next);
                }
                let settled = app.monitor.handle(event, OffsetDateTime::now_utc());
                app.keep_a_selection();
                (true, settled)
            }
            Some(done) = edited(live.as_deref_mut()) => {
                app.notice = Some(match done {
                    Ok(message) => message,
                    Err(error) => format!("✗ {error}"),
                });
                (true, None)
            }
            _ = tick.tick() => {
                app.now = OffsetDateTime::now_utc();
                let reloaded = match live.as_deref_mut() {
                    Some(live) => reload(app, live, runner.as_deref_mut()),
                    None => false,
                };
                let settled = app.monitor.tick(app.now);
                (reloaded || app.now.unix_timestamp() != drawn_second, settled)
            }
        };
        if let Some(Settled {
            events,
            flags_changed,
        }) = settled
        {
            if !events.is_empty() {
                host.alert();
            }
            dirty |= flags_changed || !events.is_empty();
            app.push_alerts(events);
        }
        if app.quit {
            return Ok(());
        }
        if app.refresh_requested {
            app.refresh_requested = false;
            if let Some(runner) = runner.as_deref() {
                runner.refresh_now();
            }
        }
        if let Some(edit) = app.wallet_edit.take()
            && let Some(live) = live.as_deref()
        {
            live.edit(edit);
        }
        if app.suspend_requested {
            app.suspend_requested = false;
            host.suspend(terminal)?;
            dirty = true;
        }
        if let Some(text) = app.copy_requested.take() {
            host.copy(&text);
            dirty = true;
        }
        if app.mouse_changed {
            app.mouse_changed = false;
            host.capture_mouse(app.mouse_captured);
            dirty = true;
        }
        if dirty {
            app.now = OffsetDateTime::now_utc();
            terminal
                .draw(|f| crate::tui::widgets::draw(f, app))
                .map_err(draw_error)?;
            drawn_second = app.now.unix_timestamp();
        }
    }
}

/// The outcome of the app's next wallet edit; never, without a live config.
async fn edited(live: Option<&mut super::LiveConfig>) -> Option<super::live::EditOutcome> {
    match live {
        Some(live) => live.done().await,
        None => std::future::pending().await,
    }
}

/// Takes a change of the config file, if there is one: new wallets reach the state and the
/// chain source (started again on them), a broken edit is reported. Whether anything changed.
fn reload(app: &mut App, live: &mut super::LiveConfig, runner: Option<&mut Runner>) -> bool {
    use super::live::Reload;
    let Some(change) = live.poll() else {
        return false;
    };
    let later = "; other changed settings take effect when popwatch starts again";
    match change {
        Reload::Broken(problem) => {
            app.config_problem = Some(super::live::one_line(&problem));
        }
        Reload::Settings { others_changed } => {
            app.config_problem = None;
            if others_changed {
                app.notice = Some(format!("config reloaded{later}"));
            }
        }
        Reload::Wallets {
            config,
            others_changed,
        } => {
            app.config_problem = None;
            let (before, now) = (app.state().wallets.len(), config.wallets.len());
            app.set_wallets(config.wallets.clone());
            if let Some(runner) = runner {
                let http = crate::net::http_client(std::time::Duration::from_secs(
                    config.chain.timeout_secs,
                ));
                let index = crate::history::index_in(
                    crate::dirs::data_dir().as_deref(),
                    Some(crate::sources::chain::index::REFRESH_BUDGET),
                );
                runner.replace(Box::new(crate::sources::chain_source(&config, http, index)));
            }
            app.notice = Some(format!(
                "config reloaded: {now} wallet{} watched (was {before}){}",
                if now == 1 { "" } else { "s" },
                if others_changed { later } else { "" }
            ));
        }
    }
    true
}

/// A key, the mouse or a resize; whether the screen must be drawn again.
fn on_input<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    event: TermEvent,
) -> io::Result<bool> {
    Ok(match event {
        TermEvent::Key(key) if key.kind == KeyEventKind::Press => {
            if !app.prompt_key(key.code)
                && !app.filter_key(key.code)
                && let Some(action) = action_for(&key)
            {
                app.handle(action);
            }
            true
        }
        TermEvent::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => {
                app.handle(Action::Down);
                true
            }
            MouseEventKind::ScrollUp => {
                app.handle(Action::Up);
                true
            }
            _ => false,
        },
        TermEvent::Resize(_, _) => {
            terminal
                .autoresize()
                .map_err(|e| io::Error::other(e.to_string()))?;
            true
        }
        _ => false,
    })
}
