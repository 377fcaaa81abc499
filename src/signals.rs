//! The signals that end a long-running command cleanly.

/// SIGINT (Ctrl-C), SIGTERM (`kill`, a service manager) and SIGHUP (the terminal went away),
/// listened to from the moment [`listen`] is called: each ends the command the way quitting
/// does, the terminal restored and the history's last writes landed, instead of the default of
/// dying where it stands.
pub struct Termination {
    #[cfg(unix)]
    signals: Option<[tokio::signal::unix::Signal; 3]>,
}

/// Starts listening now (within the runtime): a signal that arrives before the first wait is
/// not lost to the default action, as it would be between a first frame and a first poll.
pub fn listen() -> Termination {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let signals = [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ]
        .map(signal);
        let signals = match signals {
            [Ok(a), Ok(b), Ok(c)] => Some([a, b, c]),
            _ => None,
        };
        Termination { signals }
    }
    #[cfg(not(unix))]
    Termination {}
}

impl Termination {
    /// Completes when one of the signals arrives.
    pub async fn wait(self) {
        #[cfg(unix)]
        if let Some([mut interrupt, mut term, mut hangup]) = self.signals {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
                _ = hangup.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
