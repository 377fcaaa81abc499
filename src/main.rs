use std::process::ExitCode;

use clap::Parser;
use popwatch::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match popwatch::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("popwatch: {e}");
            e.exit_code()
        }
    }
}
