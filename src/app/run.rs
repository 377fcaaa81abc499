//! The event loop: one `Event` type for ticks, terminal input and source updates, merged in one
//! `tokio::select!`. Sources run as their own tasks and only send updates; the loop applies
//! them and draws when something changed (and once a second, for ages and clocks).

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc};

use super::{Action, App, action_for};
use crate::config::Config;
use crate::source::{Source, unavailable_updates};
use crate::state::{AppState, SourceName, Update};

/// What the loop reacts to.
#[derive(Debug)]
pub enum Event {
    Tick,
    Input(TermEvent),
    Update(Update),
    /// A source task says when it refreshes next.
    NextRefresh(SourceName, OffsetDateTime),
}

/// How often the loop wakes without input: often enough for a clock, rare enough to idle.
const TICK: Duration = Duration::from_millis(250);
/// Red flags depend on time too (ages, staleness, dormancy): without any update they are
/// judged again this often, not every second (thousands of wallets make a judgement cost).
const FLAGS_RECHECK: time::Duration = time::Duration::seconds(15);

/// Runs the terminal app until the user quits. `demo` swaps the sources for the simulated one.
pub async fn run(config: Config, sources: Vec<Box<dyn Source>>, demo: bool) -> io::Result<()> {
    let mut app = App::new(AppState::new(&config), OffsetDateTime::now_utc());
    // The history: never in the demo (simulated figures must not mix with real ones).
    let mut writer = None;
    if !demo && let Some(dir) = crate::dirs::data_dir() {
        match crate::history::Store::open_in(&dir) {
            Ok(store) => {
                // Open on the last recorded figures (shown stale, with their age) and charts, and
                // report the transfers since the last block an earlier run processed.
                for update in crate::history::restored_update(&store)
                    .into_iter()
                    .chain(store.logs_block().map(crate::state::Update::ResumeFrom))
                    .chain(crate::history::recorded_updates(&store, app.now))
                {
                    app.apply(update);
                }
                writer = Some(crate::history::spawn_writer(store, config.history_days));
            }
            Err(e) => tracing::warn!(error = %e, "running without history"),
        }
    }
    let alerts = AlertSettings {
        bell: config.alert_bell,
        command: config.alert_command.clone(),
        writer,
    };
    app.demo = demo;
    app.refresh_secs = config.refresh_secs;
    app.market_refresh_secs = config.market_refresh_secs;
    if !demo {
        for update in unavailable_updates(&sources) {
            app.apply(update);
        }
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let wake = Arc::new(Notify::new());
    let tasks: Vec<_> = sources
        .into_iter()
        .map(|s| spawn_source(s, tx.clone(), wake.clone()))
        .collect();

    let mut terminal = ratatui::try_init()?;
    let _ = crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut app, &mut rx, &wake, &alerts).await;
    let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    for task in tasks {
        task.abort();
    }
    result
}

fn spawn_source(
    mut source: Box<dyn Source>,
    tx: mpsc::UnboundedSender<Event>,
    wake: Arc<Notify>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (update_tx, mut update_rx) = mpsc::unbounded_channel::<Update>();
        let forward = {
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Some(update) = update_rx.recv().await {
                    if tx.send(Event::Update(update)).is_err() {
                        return;
                    }
                }
            })
        };
        loop {
            source.refresh(update_tx.clone()).await;
            let interval = source.interval();
            let next = OffsetDateTime::now_utc() + interval;
            if tx.send(Event::NextRefresh(source.name(), next)).is_err() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = wake.notified() => {}
            }
        }
        forward.abort();
    })
}

/// What happens with each change: the bell, the alert command, the history writer.
struct AlertSettings {
    bell: bool,
    command: String,
    writer: Option<(
        std::sync::mpsc::Sender<crate::history::StateToRecord>,
        std::sync::mpsc::Receiver<Option<String>>,
    )>,
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    rx: &mut mpsc::UnboundedReceiver<Event>,
    wake: &Notify,
    alerts: &AlertSettings,
) -> io::Result<()> {
    // What the last diff saw; updates since then are diffed together on the next tick, so a
    // refresh's several updates make one set of events.
    let mut seen = crate::history::Seen::of(&app.state);
    let mut changed = false;
    let mut flags_at = app.now;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The first frame, before any source has answered: everything loading.
    terminal.draw(|f| crate::ui::draw(f, app))?;
    let mut drawn_second = app.now.unix_timestamp();
    loop {
        let event = tokio::select! {
            Some(Ok(term)) = input.next() => Event::Input(term),
            Some(event) = rx.recv() => event,
            _ = tick.tick() => Event::Tick,
        };
        let is_tick = matches!(event, Event::Tick);
        if is_tick && let Some((_, status)) = &alerts.writer {
            while let Ok(error) = status.try_recv() {
                app.apply(Update::HistoryWrite { error });
            }
        }
        let mut dirty = match event {
            Event::Tick => {
                app.now = OffsetDateTime::now_utc();
                app.now.unix_timestamp() != drawn_second
            }
            Event::Input(TermEvent::Key(key)) if key.kind == KeyEventKind::Press => {
                if let Some(action) = action_for(&key) {
                    app.handle(action);
                }
                true
            }
            Event::Input(TermEvent::Mouse(mouse)) => match mouse.kind {
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
            Event::Input(TermEvent::Resize(_, _)) => {
                terminal.autoresize()?;
                true
            }
            Event::Input(_) => false,
            Event::Update(update) => {
                app.apply(update);
                changed = true;
                true
            }
            Event::NextRefresh(SourceName::Chain, at) => {
                app.next_refresh = Some(at);
                true
            }
            Event::NextRefresh(_, _) => false,
        };
        if app.quit {
            return Ok(());
        }
        if app.refresh_requested {
            app.refresh_requested = false;
            wake.notify_waiters();
        }
        if app.suspend_requested {
            app.suspend_requested = false;
            suspend(terminal)?;
            dirty = true;
        }
        // Flags and events once per tick, over every update since the last: a refresh's
        // several updates are judged together, so nothing flickers between them.
        if is_tick && (changed || app.now - flags_at >= FLAGS_RECHECK) {
            flags_at = app.now;
            let previous_flags = app.flags.clone();
            app.evaluate_flags(app.now);
            let events =
                crate::history::diff_since(&seen, &app.state, &previous_flags, &app.flags, app.now);
            if !events.is_empty() {
                if alerts.bell {
                    let _ = io::stdout().write_all(b"\x07");
                }
                for e in &events {
                    crate::history::run_alert_command(&alerts.command, e);
                }
            }
            if changed {
                seen = crate::history::Seen::of(&app.state);
                if let Some((writer, _)) = &alerts.writer {
                    let recording = crate::history::Recording::of(&app.state);
                    let _ = writer.send((recording, events.clone(), app.now));
                }
                changed = false;
            }
            if previous_flags != app.flags || !events.is_empty() {
                dirty = true;
            }
            app.push_alerts(events);
        }
        if dirty {
            app.now = OffsetDateTime::now_utc();
            terminal.draw(|f| crate::ui::draw(f, app))?;
            drawn_second = app.now.unix_timestamp();
        }
    }
}

/// Ctrl-Z: give the terminal back, stop like any job, and take it again on `fg`.
fn suspend(terminal: &mut DefaultTerminal) -> io::Result<()> {
    let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    io::stdout().flush()?;
    #[cfg(unix)]
    // SAFETY: raise(3) with a valid signal number has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    *terminal = ratatui::try_init()?;
    let _ = crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture);
    terminal.clear()
}
