use std::process::ExitCode;

use clap::Parser;
use popwatch::cli::Cli;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    match popwatch::commands::run(cli) {
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
/// 1,000 wallets, 33 MB with two arenas; BENCHMARKS.md). Two arenas keep allocation
/// contention low on the few threads popwatch runs. A fixed mmap threshold sends each
/// refresh's large transient buffers (request and response bodies of hundreds of KB) to
/// their own mappings, returned when freed, instead of growing the heap (glibc's adaptive
/// threshold climbs after the first such buffer is freed): 32.8 → 30.4 MiB over a minute.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only changes allocator settings; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
