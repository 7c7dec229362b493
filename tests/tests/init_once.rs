//! `#[init_once]`: the body runs once; every later or concurrent call is an error that
//! names the fn and the first call's location.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use singleton_runtime::{AlreadyInitialized, init_once};
use support::{expect_panic, race, run_with_timeout};

static DETERMINISM_RUNS: AtomicUsize = AtomicUsize::new(0);
static SEED: AtomicUsize = AtomicUsize::new(0);

/// The seeds' `set_global_determinism` (TS-008).
#[init_once]
fn set_global_determinism(seed: usize, threads: usize) {
    DETERMINISM_RUNS.fetch_add(1, Ordering::SeqCst);
    // Widen the window in which the other callers arrive while this one runs.
    thread::sleep(Duration::from_millis(30));
    SEED.store(seed * 1000 + threads, Ordering::SeqCst);
}

#[test]
fn twelve_racing_callers_exactly_one_ok() {
    let outcomes =
        run_with_timeout("race", || race(12, |i| (i, set_global_determinism(i, 1)))).unwrap();
    let winners: Vec<usize> = outcomes
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    assert_eq!(DETERMINISM_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(SEED.load(Ordering::SeqCst), winners[0] * 1000 + 1);
    let errors: Vec<AlreadyInitialized> = outcomes.iter().filter_map(|(_, r)| r.err()).collect();
    assert_eq!(errors.len(), 11);
    // Every loser names the same call, the winner's: some while it was still running
    // (refused at once, not made to wait), the others after it finished.
    assert!(
        errors
            .iter()
            .all(|e| e.first_call() == errors[0].first_call())
    );
    assert_eq!(errors[0].name(), "set_global_determinism");
    assert_eq!(errors[0].first_call().file(), file!());
}

#[init_once]
fn configure_logging(level: u8) -> u8 {
    level * 2
}

#[test]
fn the_error_names_the_fn_and_the_first_call_site() {
    let first_line = line!() + 1;
    assert_eq!(configure_logging(3), Ok(6));
    let err = configure_logging(4).unwrap_err();
    let expected_site = format!("{}:{first_line}:", file!());
    let text = err.to_string();
    assert!(
        text.starts_with("`configure_logging` was already initialised by the call at "),
        "{text}"
    );
    assert!(
        text.contains(&expected_site),
        "{text} should name {expected_site}"
    );
    assert_eq!(err.first_call().line(), first_line);
}

static FLAKY_RUNS: AtomicUsize = AtomicUsize::new(0);

#[init_once]
fn flaky_setup() -> usize {
    assert!(
        FLAKY_RUNS.fetch_add(1, Ordering::SeqCst) > 0,
        "setup failed half-way"
    );
    42
}

#[test]
fn a_panicking_body_leaves_it_uninitialised() {
    let message = expect_panic("first", flaky_setup);
    assert!(message.contains("setup failed half-way"), "{message}");
    assert_eq!(run_with_timeout("second", flaky_setup).unwrap(), Ok(42));
    assert!(run_with_timeout("third", flaky_setup).unwrap().is_err());
    assert_eq!(FLAKY_RUNS.load(Ordering::SeqCst), 2);
}

#[init_once]
fn recursive_setup(depth: u32) -> u32 {
    if depth == 0 {
        0
    } else {
        recursive_setup(depth - 1).unwrap_or(99)
    }
}

#[test]
fn a_reentrant_call_panics_instead_of_deadlocking() {
    let message = expect_panic("recursive", || recursive_setup(1));
    assert!(
        message.contains("`recursive_setup` was called again from inside its own"),
        "{message}"
    );
    // The panic released the guard: a non-recursive call now runs.
    assert_eq!(
        run_with_timeout("plain", || recursive_setup(0)).unwrap(),
        Ok(0)
    );
}

#[init_once]
fn parse_threads(text: &str) -> Result<usize, std::num::ParseIntError> {
    let n: usize = text.trim().parse()?;
    if n == 0 {
        return Ok(1);
    }
    Ok(n)
}

#[test]
fn question_mark_and_return_keep_their_meaning() {
    // The body's own `Err` is a successful run of the body: it ran once.
    let first = parse_threads("not a number").unwrap();
    assert!(first.is_err());
    assert!(parse_threads("4").is_err());
}

struct Runtime;

impl Runtime {
    #[init_once]
    pub fn install(workers: usize) -> usize {
        workers
    }
}

#[test]
fn associated_fns_work() {
    assert_eq!(Runtime::install(2), Ok(2));
    assert_eq!(Runtime::install(3).unwrap_err().name(), "install");
}

// ---------------------------------------------------------------------------------------
// Found in review: a concurrent call must not wait for the running body, or a body that
// hands work to a thread calling the same fn, and a cycle with a singleton, deadlock.

#[init_once]
fn start_workers() -> bool {
    // A worker runs start-up code that calls the same fn: a concurrent call.
    let refused = thread::spawn(start_workers).join().unwrap();
    let err = refused.unwrap_err();
    assert!(err.in_progress(), "refused while the first call still runs");
    assert!(
        err.to_string()
            .contains("is being initialised by the call at"),
        "{err}"
    );
    true
}

#[test]
fn a_concurrent_call_is_refused_at_once_instead_of_waiting() {
    let outcome = run_with_timeout("spawn-and-join inside the body", start_workers).unwrap();
    assert_eq!(outcome, Ok(true));
}

static BOTH_STARTED: std::sync::Barrier = std::sync::Barrier::new(2);

/// Thread 1 initialises this singleton, whose initialiser calls `configure`.
#[singleton_runtime::singleton]
fn engine() -> u32 {
    BOTH_STARTED.wait();
    // `configure` is running on thread 2 (which waits for this singleton): refused.
    match configure() {
        Ok(v) => v,
        Err(e) => {
            assert!(e.in_progress());
            7
        }
    }
}

/// Thread 2 runs this body, which needs the singleton thread 1 is building.
#[init_once]
fn configure() -> u32 {
    BOTH_STARTED.wait();
    *engine() + 1
}

#[test]
fn a_cycle_between_a_singleton_and_an_init_once_fn_does_not_deadlock() {
    let outcomes = run_with_timeout("singleton <-> init_once", || {
        let t1 = thread::spawn(|| *engine());
        let t2 = thread::spawn(configure);
        (t1.join().unwrap(), t2.join().unwrap())
    })
    .unwrap();
    assert_eq!(outcomes, (7, Ok(8)));
}
