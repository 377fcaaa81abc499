//! The monitor: everything that happens to the data after a source sends it, written once for
//! every front end. It applies updates to the state, judges the red flags when a refresh is
//! complete (and again now and then, since ages and staleness move with time), diffs the state
//! into events, runs the alert command, and hands what to record to the history's recorder.
//! The terminal app and `popwatch events` are thin drivers: they feed it the runner's events
//! and show what it settles.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::events::{AlertRunner, Event, Seen, diff_since};
use crate::flags::{self, Flags};
use crate::history::Recording;
use crate::history::recorder::Recorder;
use crate::sources::runner::SourceEvent;
use crate::state::{AppState, SourceName, Update};

/// Red flags depend on time too (ages, staleness, dormancy): without any refresh they are
/// judged again this often, not every second (thousands of wallets make a judgement cost).
pub const FLAGS_RECHECK: time::Duration = time::Duration::seconds(15);

/// How long the first judgement waits for a source that has not answered yet: after this, the
/// flags are judged without it (its rules say "not evaluated").
pub const FIRST_ANSWER_GRACE: time::Duration = time::Duration::seconds(30);

/// What one judgement produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settled {
    /// The changes since the last judgement, in the diff's order.
    pub events: Vec<Event>,
    /// Whether the raised or not-evaluated flags differ from the last judgement.
    pub flags_changed: bool,
}

/// Runs the stages after `apply`; see the module documentation.
pub struct Monitor {
    state: AppState,
    flags: Flags,
    /// What the last diff saw.
    seen: Seen,
    /// Updates applied since the last judgement.
    changed: bool,
    judged_at: Option<OffsetDateTime>,
    /// Sources whose first refresh is awaited before the first judgement, so that the first
    /// events judge every source's first answer together (as a person opening the app sees
    /// them), not whichever answered first.
    awaiting: BTreeSet<SourceName>,
    started: OffsetDateTime,
    alerts: Option<AlertRunner>,
    recorder: Option<Recorder>,
}

impl Monitor {
    /// A monitor of `state` (already holding what a front end restored) from `now`.
    pub fn new(state: AppState, now: OffsetDateTime) -> Self {
        Self {
            seen: Seen::of(&state),
            state,
            flags: Flags::default(),
            changed: false,
            judged_at: None,
            awaiting: BTreeSet::new(),
            started: now,
            alerts: None,
            recorder: None,
        }
    }

    /// The monitor every driver runs over `sources`: it waits for each one's first refresh
    /// before the first judgement, runs `alert_command`, and records into `store` where there
    /// is one.
    pub fn for_sources(
        config: &crate::config::Config,
        state: AppState,
        sources: &[Box<dyn crate::sources::Source>],
        store: Option<crate::history::Store>,
        now: OffsetDateTime,
    ) -> Self {
        let monitor = Self::new(state, now).awaiting(sources.iter().map(|s| s.name()));
        let alerts = AlertRunner::start(&config.alert_command);
        match store {
            // The recorder alerts what it records first; flags standing when popwatch last
            // ran are not raised (nor alerted) again, only what changed meanwhile.
            Some(store) => {
                let standing = store.standing_flags().unwrap_or_default();
                // Records come at every refresh: three missed ones make a gap.
                let store = store.with_span_gap(config.refresh_secs.saturating_mul(3));
                monitor
                    .standing(&standing)
                    .recording(Recorder::spawn_alerting(store, config.history_days, alerts))
            }
            None => Self { alerts, ..monitor },
        }
    }

    /// Waits for these sources' first refresh before the first judgement.
    pub fn awaiting(mut self, sources: impl IntoIterator<Item = SourceName>) -> Self {
        self.awaiting = sources.into_iter().collect();
        self
    }

    /// Starts from the flags the history holds as raised (rule id, subject, severity, detail):
    /// the first judgement reports only what changed since.
    pub fn standing(mut self, standing: &[(String, String, String, String)]) -> Self {
        use crate::flags::{RuleId, Severity, Subject, Warning};
        self.flags.raised = standing
            .iter()
            .filter_map(|(id, subject, severity, detail)| {
                Some(Warning {
                    id: RuleId::ALL.into_iter().find(|r| r.as_str() == id)?,
                    severity: match severity.as_str() {
                        "critical" => Severity::Critical,
                        "warning" => Severity::Warning,
                        _ => Severity::Info,
                    },
                    title: String::new(),
                    detail: detail.clone(),
                    subject: (!subject.is_empty()).then(|| Subject {
                        kind: "recorded",
                        id: subject.clone(),
                    }),
                    evidence: Vec::new(),
                })
            })
            .collect();
        self
    }

    /// Records every changed state through `recorder`.
    pub fn recording(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The flags of the last judgement; widgets and scripts only read them.
    pub fn flags(&self) -> &Flags {
        &self.flags
    }

    /// Applies one update; it is judged with the rest of its refresh.
    pub fn apply(&mut self, update: Update) {
        self.state.apply(update);
        self.changed = true;
    }

    /// Takes one event of the runner: updates are applied, a finished refresh is judged.
    pub fn handle(&mut self, event: SourceEvent, now: OffsetDateTime) -> Option<Settled> {
        match event {
            SourceEvent::Update(update) => {
                self.apply(update);
                None
            }
            // A stopped source will not answer: the first judgement waits for it no longer.
            SourceEvent::Refreshed { source, .. } | SourceEvent::Stopped { source } => {
                self.awaiting.remove(&source);
                self.awaiting.is_empty().then(|| self.judge(now))
            }
        }
    }

    /// The passing of time: the recorder's news is applied, a source that keeps the first
    /// judgement waiting too long is given up on, and the flags are judged again every
    /// [`FLAGS_RECHECK`].
    pub fn tick(&mut self, now: OffsetDateTime) -> Option<Settled> {
        if let Some(error) = self.recorder.as_ref().and_then(Recorder::news) {
            // Shown at once; not a change of the figures to judge.
            self.state.apply(Update::HistoryWrite { error });
        }
        if !self.awaiting.is_empty() {
            if now - self.started < FIRST_ANSWER_GRACE {
                return None;
            }
            self.awaiting.clear();
        }
        // Not while a refresh is under way (updates applied, its `Refreshed` not yet here): its
        // end judges it whole.
        let due = match self.judged_at {
            None => true,
            Some(at) => !self.changed && now - at >= FLAGS_RECHECK,
        };
        due.then(|| self.judge(now))
    }

    /// Judges the flags now, diffs, alerts and records what changed.
    pub fn judge(&mut self, now: OffsetDateTime) -> Settled {
        let previous = std::mem::take(&mut self.flags);
        self.flags = flags::evaluate(&self.state, now, Some(&previous));
        let events = diff_since(&self.seen, &self.state, &previous, &self.flags, now);
        // With a history, the recorder alerts what it records first (see `Recorder`).
        if let (Some(alerts), None) = (&self.alerts, &self.recorder) {
            alerts.alert(&events);
        }
        if self.changed {
            self.seen = Seen::of(&self.state);
            if let Some(recorder) = &self.recorder {
                recorder.record(Recording::of(&self.state), events.clone(), now);
            }
            self.changed = false;
        }
        self.judged_at = Some(now);
        Settled {
            flags_changed: previous != self.flags,
            events,
        }
    }

    /// The state, for a driver done with the monitor (nothing more is recorded).
    pub fn into_state(self) -> AppState {
        self.state
    }

    /// Stops recording once everything handed to the recorder is written.
    pub fn finish(self) {
        if let Some(recorder) = self.recorder {
            recorder.finish();
        }
    }
}
