//! `cargo singleton-audit [OPTIONS] [PATH]`: see `--help` and the crate README.
#![forbid(unsafe_code)]

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cli::{Command, Format};
use singleton_audit::{Options, audit, report};

fn main() -> ExitCode {
    // Cargo sets `CARGO` for its subcommands; `cargo run` also sets `CARGO_PKG_NAME`.
    let cargo_subcommand =
        std::env::var_os("CARGO").is_some() && std::env::var_os("CARGO_PKG_NAME").is_none();
    let command = match cli::parse(std::env::args().skip(1), cargo_subcommand) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let args = match command {
        Command::Help => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("singleton-audit {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Audit(args) => args,
    };
    let root = args.path.unwrap_or_else(|| PathBuf::from("."));
    let options = Options {
        excludes: args.excludes,
        threads: args.threads,
        parse_all: args.parse_all,
    };
    let started = Instant::now();
    let report = match audit(&root, &options) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: cannot audit `{}`: {e}", root.display());
            return ExitCode::from(2);
        }
    };
    if args.stats {
        let secs = started.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss, reason = "a rate to print")]
        let rate = report.lines as f64 / secs;
        eprintln!(
            "singleton-audit: {} files ({} parsed), {} lines in {secs:.3} s: {rate:.0} lines/s",
            report.files, report.parsed, report.lines
        );
    }
    match args.format {
        Format::Json => println!("{}", report::json(&report)),
        Format::Table => print!("{}", report::table(&report, true)),
        Format::Brief => print!("{}", report::table(&report, false)),
    }
    match (args.deny, report.max_level()) {
        (Some(deny), Some(found)) if found >= deny => {
            eprintln!("singleton-audit: findings at level `{found}` (denied: `{deny}` and above)");
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}
