//! This binary's own runner (`harness = false`) understands the libtest command line
//! that `cargo test`, IDEs and `cargo nextest` pass to every test binary: `--list`
//! lists without running, `--format terse`, `--exact`, `--skip`, `--ignored`, `--bench`
//! and `--help`, and options that take a value do not take that value for a filter.

use std::time::Duration;

use crate::harness::{Case, run_runner};

pub(crate) const CASES: &[Case] = &[
    (
        "runner::list_prints_the_names_and_runs_nothing",
        list_prints_the_names_and_runs_nothing,
    ),
    (
        "runner::filters_select_like_libtest",
        filters_select_like_libtest,
    ),
    (
        "runner::ignored_bench_and_help_run_nothing",
        ignored_bench_and_help_run_nothing,
    ),
];

const LIMIT: Duration = Duration::from_mins(1);
/// A quick case (one child process) that the runs below select or leave out.
const QUICK: &str = "read_once::blas_threads_default_when_unset";

/// Runs the runner with `args`; the lines of its output that report a case as run
/// (`test <name> ... ok`), and the whole output.
fn ran(args: &[&str]) -> (Vec<String>, String) {
    let run = run_runner(args, LIMIT);
    run.assert_success();
    let lines = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("test ") && line.contains(" ... "))
        .map(str::to_owned)
        .collect();
    (lines, run.stdout)
}

fn none() -> Vec<String> {
    Vec::new()
}

fn list_prints_the_names_and_runs_nothing() {
    let run = run_runner(&["--list", QUICK], LIMIT);
    run.assert_success();
    assert_eq!(
        run.stdout,
        format!("{QUICK}: test\n\n1 test, 0 benchmarks\n"),
        "{run:?}"
    );

    // What `cargo nextest` asks every test binary: every case, one per line, nothing run.
    let run = run_runner(&["--list", "--format", "terse"], LIMIT);
    run.assert_success();
    let listed: Vec<&str> = run.stdout.lines().collect();
    let all: Vec<String> = crate::CASES
        .iter()
        .flat_map(|group| group.iter())
        .map(|(name, _)| format!("{name}: test"))
        .collect();
    assert_eq!(listed, all, "{run:?}");
}

fn filters_select_like_libtest() {
    let quick_ok = vec![format!("test {QUICK} ... ok")];
    // `--skip` takes the next argument as the names to leave out, not as the filter.
    let (lines, out) = ran(&["--skip", "blas_threads", "read_once::"]);
    assert_eq!(lines, none(), "{out}");
    // `--exact`: a name, not a substring.
    let (lines, out) = ran(&["--exact", "read_once::blas_threads"]);
    assert_eq!(lines, none(), "{out}");
    let (lines, out) = ran(&["--exact", QUICK]);
    assert_eq!(lines, quick_ok, "{out}");
    // An option's value is not a filter (`never` would match no case).
    let (lines, out) = ran(&["--color", "never", "--test-threads", "1", QUICK]);
    assert_eq!(lines, quick_ok, "{out}");
}

fn ignored_bench_and_help_run_nothing() {
    // No case here is `#[ignore]`d: `--ignored` runs none of them.
    let (lines, out) = ran(&["--ignored", QUICK]);
    assert_eq!(lines, none(), "{out}");
    // `cargo bench` passes `--bench`: libtest reports tests as ignored then.
    let (lines, out) = ran(&["--bench", QUICK]);
    assert_eq!(lines, [format!("test {QUICK} ... ignored")], "{out}");
    // `cargo test -- --help` asks every binary for its usage.
    for help in ["--help", "-h"] {
        let (lines, out) = ran(&[help, QUICK]);
        assert_eq!(lines, none(), "{out}");
        assert!(out.starts_with("Usage: "), "{out}");
    }
}
