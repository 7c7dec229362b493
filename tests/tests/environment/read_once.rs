//! Read once: `#[singleton] fn blas_threads() -> Result<usize, EnvVarError>` reading
//! `OMP_NUM_THREADS` with `env::var_or` (the seeds' `blas_threads`, TS-006, without any
//! change to the environment). Each case is a child process started with the variable
//! set, unset or invalid by `Command::env`.

use std::ffi::OsStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use singleton_runtime::env::{self, EnvVarError};
use singleton_runtime::singleton;

use crate::harness::{Case, run_child, snapshot};

pub(crate) const CASES: &[Case] = &[
    (
        "read_once::blas_threads_from_the_environment",
        from_the_environment,
    ),
    (
        "read_once::blas_threads_default_when_unset",
        default_when_unset,
    ),
    (
        "read_once::blas_threads_invalid_value_is_an_error_naming_it",
        invalid_value,
    ),
    #[cfg(unix)]
    (
        "read_once::blas_threads_value_not_utf8_is_an_error_naming_it",
        not_utf8,
    ),
    (
        "read_once::eight_threads_override_blas_threads_each_with_its_own_value",
        eight_threads_override,
    ),
];

pub(crate) const CHILDREN: &[Case] = &[
    ("read-once-blas-threads", child_blas_threads),
    (
        "read-once-blas-threads-overridden",
        child_blas_threads_overridden,
    ),
];

const LIMIT: Duration = Duration::from_secs(20);
const VAR: &str = "OMP_NUM_THREADS";

fn blas_threads_in_child(value: Option<&OsStr>) -> String {
    let run = run_child("read-once-blas-threads", &[(VAR, value)], LIMIT);
    run.assert_success();
    run.value("blas_threads").to_owned()
}

fn from_the_environment() {
    assert_eq!(
        blas_threads_in_child(Some(OsStr::new("12"))),
        "Ok(12), read 1 time(s)"
    );
}

fn default_when_unset() {
    assert_eq!(blas_threads_in_child(None), "Ok(1), read 1 time(s)");
}

/// An invalid value is not replaced by the default, and no value is stored: every
/// call reads again and reports it (8 threads x 10 calls).
fn invalid_value() {
    assert_eq!(
        blas_threads_in_child(Some(OsStr::new("twelve"))),
        "Err(OMP_NUM_THREADS=\"twelve\" is not a valid usize: invalid digit found in string), \
         read 80 time(s)"
    );
}

/// Issue 12 §1's proof: the seeds' `blas_threads` race (thread A sets 12, thread B sets
/// 4, A's restore undoes B's) cannot happen when tests override the value instead of
/// the variable.
fn eight_threads_override() {
    let run = run_child(
        "read-once-blas-threads-overridden",
        &[(VAR, Some(OsStr::new("12")))],
        LIMIT,
    );
    run.assert_success();
    assert_eq!(
        run.value("overridden"),
        "8 threads x 1000 reads, each its own value; 0 reads of OMP_NUM_THREADS"
    );
    assert_eq!(run.value("after"), "Ok(12), read 1 time(s)");
}

#[cfg(unix)]
fn not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    assert_eq!(
        blas_threads_in_child(Some(OsStr::from_bytes(b"1\xff2"))),
        "Err(OMP_NUM_THREADS=\"1\\xFF2\" is not valid UTF-8), read 80 time(s)"
    );
}

static READS: AtomicUsize = AtomicUsize::new(0);

/// The documented pattern (see `singleton_runtime::env`).
#[singleton]
fn blas_threads() -> Result<usize, EnvVarError> {
    READS.fetch_add(1, Ordering::SeqCst);
    env::var_or(VAR, 1)
}

/// 8 threads call `blas_threads()` 10 times each: all get the same outcome (the same
/// `&'static` when it is `Ok`), the variable is read once when it parses, and the
/// environment is byte-identical afterwards.
fn child_blas_threads() {
    let before = snapshot();
    let outcomes: Vec<Result<usize, String>> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let all: Vec<Result<usize, String>> = (0..10)
                        .map(|_| {
                            blas_threads()
                                .map(|n| std::ptr::from_ref(n) as usize)
                                .map_err(|e| e.to_string())
                        })
                        .collect();
                    assert!(all.windows(2).all(|w| w[0] == w[1]), "{all:?}");
                    all[0].clone()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(outcomes.windows(2).all(|w| w[0] == w[1]), "{outcomes:?}");
    let reads = READS.load(Ordering::SeqCst);
    let outcome = blas_threads().copied().map_err(|e| e.to_string());
    if let Ok(address) = outcomes[0] {
        assert_eq!(
            address,
            std::ptr::from_ref(blas_threads().unwrap()) as usize
        );
    }
    let shown = match outcome {
        Ok(n) => format!("Ok({n})"),
        Err(e) => format!("Err({e})"),
    };
    println!("blas_threads={shown}, read {reads} time(s)");
    assert_eq!(snapshot(), before, "the environment was changed");
}

/// 8 threads behind a barrier each put their own thread count in place of
/// `blas_threads()` (half with `override_with`, half with `override_guard`) and read it
/// 1,000 times, yielding in between so that the others' overrides come and go: each
/// sees only its own value, the variable is not read while they run (an override does
/// not run the initialiser), and the environment is byte-identical afterwards. Then
/// the real value, read once.
fn child_blas_threads_overridden() {
    const THREADS: usize = 8;
    const READS_EACH: usize = 1000;
    let before = snapshot();
    let start = std::sync::Barrier::new(THREADS);
    std::thread::scope(|s| {
        for i in 0..THREADS {
            let start = &start;
            s.spawn(move || {
                let own = 100 + i;
                let read_own = || {
                    start.wait();
                    for _ in 0..READS_EACH {
                        assert_eq!(blas_threads().ok().copied(), Some(own), "thread {i}");
                        std::thread::yield_now();
                    }
                };
                if i % 2 == 0 {
                    blas_threads::override_with(own, read_own);
                } else {
                    let _guard = blas_threads::override_guard(own);
                    read_own();
                }
            });
        }
    });
    assert_eq!(snapshot(), before, "the environment was changed");
    println!(
        "overridden={THREADS} threads x {READS_EACH} reads, each its own value; {} reads of \
         {VAR}",
        READS.load(Ordering::SeqCst)
    );
    let after = blas_threads().copied().map_err(|e| e.to_string());
    let _ = blas_threads();
    println!(
        "after={}, read {} time(s)",
        match after {
            Ok(n) => format!("Ok({n})"),
            Err(e) => format!("Err({e})"),
        },
        READS.load(Ordering::SeqCst)
    );
    assert_eq!(snapshot(), before, "the environment was changed");
}
