//! The waiting forms of `InitOnce` (runtime side of issue 8 §3): a call that arrives
//! while the body runs elsewhere waits for it, an `Err` is not the one run, `wait()`
//! blocks until setup has run, and a wait that would close a cycle is reported.

mod support;

use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use singleton_runtime::{InitOnce, InitOnceError, singleton};
use support::{DEADLOCK_TIMEOUT, assert_cycle_reported, within};

static SEEDING: InitOnce = InitOnce::new("seed_everything");
static SEED_RUNS: AtomicUsize = AtomicUsize::new(0);
// singleton-audit: allow(test instrumentation: when the body finished)
static SEEDED_AT: Mutex<Option<Instant>> = Mutex::new(None);

#[test]
fn twelve_concurrent_callers_of_a_50ms_body_all_return_after_it_finished() {
    within("12 callers", DEADLOCK_TIMEOUT, || {
        let start = Barrier::new(12);
        let returned: Vec<(bool, Instant, Option<bool>)> = thread::scope(|s| {
            let handles: Vec<_> = (0..12)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        let outcome = SEEDING.call_or_wait(Location::caller(), || {
                            thread::sleep(Duration::from_millis(50));
                            SEED_RUNS.fetch_add(1, SeqCst);
                            *SEEDED_AT.lock().unwrap() = Some(Instant::now());
                        });
                        let at = Instant::now();
                        (outcome.is_ok(), at, outcome.err().map(|e| e.in_progress()))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(SEED_RUNS.load(SeqCst), 1, "exactly one call ran the body");
        assert_eq!(returned.iter().filter(|(ok, ..)| *ok).count(), 1);
        let seeded_at = SEEDED_AT.lock().unwrap().expect("the body ran");
        for (_, at, in_progress) in &returned {
            assert!(
                *at >= seeded_at,
                "a call returned before the body had finished"
            );
            // The others waited, so they are told it is done, not that it is running.
            assert_ne!(*in_progress, Some(true));
        }
        assert!(SEEDING.is_done());
    });
}

static LOGGING: InitOnce = InitOnce::new("setup_logging");
static LOGGING_TRIES: AtomicUsize = AtomicUsize::new(0);

/// How a fallible `#[init_once]` fn reads with the runtime's one-layer error.
fn setup_logging(path: &str) -> Result<usize, InitOnceError<std::io::Error>> {
    LOGGING.call_fallible(Location::caller(), || {
        LOGGING_TRIES.fetch_add(1, SeqCst);
        if path.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no log path",
            ));
        }
        Ok(path.len())
    })
}

fn start_app(path: &str) -> Result<usize, InitOnceError<std::io::Error>> {
    let n = setup_logging(path)?; // one `?`, one layer
    Ok(n * 2)
}

#[test]
fn an_err_is_not_the_one_run_and_a_retry_succeeds() {
    let failed = start_app("").unwrap_err();
    assert!(
        matches!(&failed, InitOnceError::Failed(e) if e.kind() == std::io::ErrorKind::NotFound)
    );
    assert_eq!(failed.to_string(), "no log path");
    assert!(!LOGGING.is_done());
    assert!(matches!(start_app("/var/log/app"), Ok(24)));
    let again = setup_logging("/elsewhere").unwrap_err();
    let InitOnceError::AlreadyInitialized(already) = again else {
        panic!("expected AlreadyInitialized, got {again:?}");
    };
    assert_eq!(already.name(), "setup_logging");
    assert_eq!(
        LOGGING_TRIES.load(SeqCst),
        2,
        "the third call did not run the body"
    );
}

static STARTUP: InitOnce = InitOnce::new("startup");
static STARTED_VALUE: AtomicUsize = AtomicUsize::new(0);

#[test]
fn wait_blocks_workers_until_setup_has_run() {
    within("workers wait", DEADLOCK_TIMEOUT, || {
        thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        STARTUP.wait();
                        STARTED_VALUE.load(SeqCst)
                    })
                })
                .collect();
            thread::sleep(Duration::from_millis(50));
            assert!(!STARTUP.is_done());
            STARTUP
                .call_here(|| STARTED_VALUE.store(42, SeqCst))
                .unwrap();
            for worker in workers {
                assert_eq!(worker.join().unwrap(), 42, "a worker started before setup");
            }
        });
    });
}

// A waiting init_once body needs a singleton whose initialiser, on another thread,
// calls the same init_once: one wait-for graph sees the cycle.

static CONFIGURE: InitOnce = InitOnce::new("configure");
static BOTH_CLAIMED: Barrier = Barrier::new(2);
// singleton-audit: allow(test instrumentation: only the first body meets the barrier)
static FIRST_CONFIGURE: AtomicBool = AtomicBool::new(true);
// singleton-audit: allow(test instrumentation: only the first body meets the barrier)
static FIRST_ENGINE: AtomicBool = AtomicBool::new(true);

fn configure() -> Result<u32, singleton_runtime::AlreadyInitialized> {
    CONFIGURE.call_or_wait(Location::caller(), || {
        if FIRST_CONFIGURE.swap(false, SeqCst) {
            BOTH_CLAIMED.wait();
        }
        *engine() + 1
    })
}

#[singleton]
fn engine() -> u32 {
    if FIRST_ENGINE.swap(false, SeqCst) {
        BOTH_CLAIMED.wait();
    }
    configure().unwrap_or(0) + 10
}

#[test]
fn a_waiting_init_once_and_a_singleton_needing_each_other_are_reported() {
    assert_cycle_reported(
        ("configures", configure),
        ("builds-engine", || *engine()),
        &["`configure` (#[init_once] fn)", "`engine` (singleton)"],
    );
}
