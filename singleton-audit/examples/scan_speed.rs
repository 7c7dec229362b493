//! Scan speed: audits a directory several times and prints lines/s per run and the
//! median. Not a test: run it by hand, in release mode, e.g.
//!
//! ```text
//! cargo run --release -p singleton-audit --example scan_speed -- ~/.cargo/registry/src 7
//! cargo run --release -p singleton-audit --example scan_speed -- ~/.cargo/registry/src 7 --parse-all
//! ```
//!
//! Arguments: PATH [RUNS (default 5)] [--parse-all].

use std::path::PathBuf;
use std::time::Instant;

use singleton_audit::{Options, audit};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse_all = args.iter().any(|a| a == "--parse-all");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let Some(root) = positional.first().map(PathBuf::from) else {
        eprintln!("usage: scan_speed PATH [RUNS] [--parse-all]");
        std::process::exit(2);
    };
    let runs: usize = positional.get(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let options = Options {
        parse_all,
        ..Options::default()
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut rates = Vec::new();
    for run in 1..=runs {
        let started = Instant::now();
        let report = match audit(&root, &options) {
            Ok(report) => report,
            Err(e) => {
                eprintln!("cannot audit {}: {e}", root.display());
                std::process::exit(2);
            }
        };
        let secs = started.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss, reason = "a rate to print")]
        let rate = report.lines as f64 / secs;
        println!(
            "run {run}: {} files ({} parsed), {} lines, {} findings in {secs:.3} s = {rate:.0} lines/s",
            report.files,
            report.parsed,
            report.lines,
            report.findings.len()
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    println!(
        "median of {runs} runs on {threads} threads{}: {median:.0} lines/s",
        if parse_all { " (--parse-all)" } else { "" }
    );
}
