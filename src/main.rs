use std::process::ExitCode;

use clap::Parser;
use popwatch::cli::{Cli, Command};

fn main() -> ExitCode {
    // Every file popwatch creates (config, history and its journal, log) is its owner's only:
    // a config can hold an API key or a keyed RPC URL, the history every watched balance.
    #[cfg(unix)]
    // SAFETY: umask(2) only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let cli = Cli::parse();
    // The terminal pane and `events` run for days: their memory matters more than the last
    // few percent of speed. A snapshot lives a fraction of a second.
    let long_running = matches!(cli.command, None | Some(Command::Events));
    tune_malloc(long_running);
    match popwatch::cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("popwatch: {e}");
            e.exit_code()
        }
    }
}

/// glibc gives each thread that allocates its own arena and keeps what it freed there: with
/// the async workers, the blocking pool and the exit search's threads, a long-running
/// terminal pane would hold a third more memory than it uses (measured: 45 MB peak RSS for
/// 1,000 wallets with an arena per thread, 33 MB with two; BENCHMARKS.md). A long-running
/// process gets one arena (1,000 wallets: 25.1–26.9 → 24.0–24.6 MiB peak, 3 runs each); a
/// one-shot command two, as one arena slows the exit search's two threads (snapshot of 1,000
/// wallets: 141 ms with two, 148 ms with one, medians of 8). A fixed mmap threshold sends
/// each refresh's large transient buffers (request and response bodies of hundreds of KB) to
/// their own mappings, returned when freed, instead of growing the heap (glibc's adaptive
/// threshold climbs after the first such buffer is freed): 32.8 → 30.4 MiB over a minute.
/// Called before any thread starts (argument parsing starts none).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc(long_running: bool) {
    let arenas = if long_running { 1 } else { 2 };
    // SAFETY: mallopt only changes allocator settings; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc(_long_running: bool) {}
