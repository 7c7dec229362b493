//! Helpers shared by the test files: run code that could deadlock on a thread joined
//! with a timeout (so a regression fails the test instead of hanging CI), release
//! threads together, and read panic messages.

#![allow(dead_code)] // Each test file uses its own subset.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::Duration;

/// Long enough for a loaded 2-core CI machine, short enough that a hang is a failure.
pub(crate) const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `f` on a new thread named `name` and returns its outcome (`Err` carries the
/// panic payload). Panics with "deadlock: ..." if `f` has not finished within `limit`.
pub(crate) fn outcome_within<T: Send + 'static>(
    name: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> thread::Result<T> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
        })
        .expect("spawn test thread");
    match rx.recv_timeout(limit) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock: `{name}` did not finish within {limit:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("`{name}` ended without reporting its outcome")
        }
    }
}

/// [`outcome_within`] with [`DEADLOCK_TIMEOUT`].
pub(crate) fn run_with_timeout<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> thread::Result<T> {
    outcome_within(name, DEADLOCK_TIMEOUT, f)
}

/// Runs `f` on its own thread within `limit` and returns its value; a panic in `f`
/// is passed on to the caller.
pub(crate) fn within<T: Send + 'static>(
    name: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    outcome_within(name, limit, f).unwrap_or_else(|payload| resume_unwind(payload))
}

/// The message of a panic payload (`&str` or `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}

/// Runs `f` under [`DEADLOCK_TIMEOUT`] on its own thread and returns its panic message;
/// fails if it did not panic.
pub(crate) fn expect_panic<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> String {
    match run_with_timeout(name, f) {
        Ok(_) => panic!("`{name}` was expected to panic, but returned"),
        Err(payload) => panic_message(&*payload),
    }
}

/// Runs `f` on this thread and returns its panic message; fails if it did not panic.
pub(crate) fn catch_panic<R>(f: impl FnOnce() -> R) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => panic_message(&*payload),
    }
}

/// Runs `f(i)` on `threads` threads released together by a barrier, so that they race;
/// returns what each returned, in thread order. A panicking thread fails the caller.
pub(crate) fn race<R: Send>(threads: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let barrier = Barrier::new(threads);
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (barrier, f) = (&barrier, &f);
                s.spawn(move || {
                    barrier.wait();
                    f(i)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|payload| resume_unwind(payload)))
            .collect()
    })
}

/// Calls `attempt` every 10 ms until it returns `Some`, and returns that; fails with
/// "deadlock: ..." if that takes longer than [`DEADLOCK_TIMEOUT`].
pub(crate) fn poll_until<T: Send + 'static>(
    name: &str,
    mut attempt: impl FnMut() -> Option<T> + Send + 'static,
) -> T {
    within(name, DEADLOCK_TIMEOUT, move || {
        loop {
            if let Some(value) = attempt() {
                return value;
            }
            thread::sleep(Duration::from_millis(10));
        }
    })
}

/// Runs `first` and `second` (name, fn) on threads of their own, each within
/// [`DEADLOCK_TIMEOUT`], where each needs what the other is building: both must panic,
/// one with the wait cycle naming every entry of `named` (e.g. "`engine` (singleton)"),
/// the other having found the cycle on its own stack.
pub(crate) fn assert_cycle_reported<A: Send + 'static, B: Send + 'static>(
    first: (&'static str, impl FnOnce() -> A + Send + 'static),
    second: (&'static str, impl FnOnce() -> B + Send + 'static),
    named: &[&str],
) {
    let t1 = thread::spawn(move || run_with_timeout(first.0, first.1));
    let t2 = thread::spawn(move || run_with_timeout(second.0, second.1));
    let messages: Vec<String> = [
        t1.join().unwrap().map(|_| ()),
        t2.join().unwrap().map(|_| ()),
    ]
    .into_iter()
    .map(|o| panic_message(&*o.expect_err("a call on the cycle returned")))
    .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("wait cycle across threads")
                && named.iter().all(|name| m.contains(name))),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .all(|m| m.contains("cycle") || m.contains("called again")),
        "{messages:#?}"
    );
}

/// A temp dir for one test binary's fixture files (each test a directory of its own).
pub(crate) fn temp_root() -> &'static std::path::Path {
    // singleton-audit: allow(test scaffolding: a temp dir for the fixtures, independent of the code under test)
    static ROOT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
}

/// Saves `contents` at `path` the safe way: a temp file beside it, renamed over it.
pub(crate) fn save_by_rename(path: &std::path::Path, contents: impl AsRef<[u8]>) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).expect("write the temp file");
    std::fs::rename(&tmp, path).expect("rename it over the file");
}

/// A multi-thread tokio runtime with `workers` worker threads and every driver.
pub(crate) fn tokio_multi_thread(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// A current-thread tokio runtime with every driver.
pub(crate) fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
