//! The process environment (issue 12, seeds TS-006/TS-007/TS-008), under real
//! processes: reading variables once (`env::var_or`), setting them at start-up behind
//! the single-thread check (`env::set_before_threads`), and scoped changes for tests
//! (`env::with_vars`).
//!
//! A test binary of its own, with `harness = false`, because:
//! - libtest runs every test on a thread of its own, also with `--test-threads=1` (a
//!   test there sees 2 threads in `/proc/self/task`), so "this process has one thread"
//!   can only be tested from a `main` of our own;
//! - the environment is process-global, so every case that sets it runs in a child
//!   process (this binary again, started with `SINGLETON_ENV_TEST_CHILD=<role>`), with
//!   the variables it starts with given by `Command::env` (which changes only the
//!   child's environment). The parent never changes its own environment.
//!
//! `cargo test -p singleton-tests --test environment [-- <substring of case names>]`; the
//! runner takes the libtest options that choose what runs (`--list`, `--exact`,
//! `--skip`, `--ignored`, `--bench`, `--format terse`) as libtest does.

#[path = "support/mod.rs"]
mod support;

#[path = "environment/harness.rs"]
mod harness;
#[path = "environment/read_once.rs"]
mod read_once;
#[path = "environment/runner.rs"]
mod runner;
#[path = "environment/scoped.rs"]
mod scoped;
#[path = "environment/startup.rs"]
mod startup;

/// Every case, by group.
const CASES: &[&[harness::Case]] = &[
    read_once::CASES,
    startup::CASES,
    scoped::CASES,
    runner::CASES,
];

fn main() {
    harness::main(
        CASES,
        &[read_once::CHILDREN, startup::CHILDREN, scoped::CHILDREN],
    );
}
