//! The signals that end a long-running command cleanly.

/// Completes on SIGINT (Ctrl-C), SIGTERM (`kill`, a service manager) or SIGHUP (the terminal
/// went away): each ends the command the way quitting does, the terminal restored and the
/// history's last writes landed, instead of the default of dying where it stands.
pub async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut hangup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hangup.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
