//! This binary's own runner (`harness = false`) understands the libtest command line
//! that `cargo test`, IDEs and `cargo nextest` pass to every test binary: `--list`
//! lists without running, `--format terse`, `--exact`, `--skip`, `--ignored`, `--bench`
//! and `--help`, and options that take a value do not take that value for a filter.

use std::time::Duration;

use crate::harness::{Case, run_runner};

pub const CASES: &[Case] = &[
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

/// The lines of the runner's output that report a case as run (`test <name> ... ok`).
fn ran(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| line.starts_with("test ") && line.contains(" ... "))
        .collect()
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
    // `--skip` takes the next argument as the names to leave out, not as the filter.
    let run = run_runner(&["--skip", "blas_threads", "read_once::"], LIMIT);
    run.assert_success();
    assert_eq!(ran(&run.stdout), Vec::<&str>::new(), "{run:?}");

    // `--exact`: a name, not a substring.
    let run = run_runner(&["--exact", "read_once::blas_threads"], LIMIT);
    run.assert_success();
    assert_eq!(ran(&run.stdout), Vec::<&str>::new(), "{run:?}");
    let run = run_runner(&["--exact", QUICK], LIMIT);
    run.assert_success();
    assert_eq!(
        ran(&run.stdout),
        [format!("test {QUICK} ... ok")],
        "{run:?}"
    );

    // An option's value is not a filter (`never` would match no case).
    let run = run_runner(&["--color", "never", "--test-threads", "1", QUICK], LIMIT);
    run.assert_success();
    assert_eq!(
        ran(&run.stdout),
        [format!("test {QUICK} ... ok")],
        "{run:?}"
    );
    // `cargo test -- --help` asks every binary for its usage.
    for help in ["--help", "-h"] {
        let run = run_runner(&[help, QUICK], LIMIT);
        run.assert_success();
        assert_eq!(ran(&run.stdout), Vec::<&str>::new(), "{run:?}");
        assert!(run.stdout.starts_with("Usage: "), "{run:?}");
    }
}

fn ignored_bench_and_help_run_nothing() {
    // No case here is `#[ignore]`d: `--ignored` runs none of them.
    let run = run_runner(&["--ignored", QUICK], LIMIT);
    run.assert_success();
    assert_eq!(ran(&run.stdout), Vec::<&str>::new(), "{run:?}");
    // `cargo bench` passes `--bench`: libtest reports tests as ignored then.
    let run = run_runner(&["--bench", QUICK], LIMIT);
    run.assert_success();
    assert_eq!(
        ran(&run.stdout),
        [format!("test {QUICK} ... ignored")],
        "{run:?}"
    );
    // `cargo test -- --help` asks every binary for its usage.
    for help in ["--help", "-h"] {
        let run = run_runner(&[help, QUICK], LIMIT);
        run.assert_success();
        assert_eq!(ran(&run.stdout), Vec::<&str>::new(), "{run:?}");
        assert!(run.stdout.starts_with("Usage: "), "{run:?}");
    }
}
