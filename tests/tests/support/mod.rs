//! Helpers shared by the test files: run code that could deadlock on a thread joined
//! with a timeout, so a regression fails the test instead of hanging CI.

#![allow(dead_code)] // Each test file uses its own subset.

use std::any::Any;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Long enough for a loaded 2-core CI machine, short enough that a hang is a failure.
pub const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs `f` on a new thread named `name` and returns its outcome (`Err` carries the
/// panic payload). Panics if `f` has not finished within [`DEADLOCK_TIMEOUT`].
pub fn run_with_timeout<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> thread::Result<T> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(outcome);
        })
        .expect("spawn test thread");
    match rx.recv_timeout(DEADLOCK_TIMEOUT) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock: `{name}` did not finish within {DEADLOCK_TIMEOUT:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("`{name}` ended without reporting its outcome")
        }
    }
}

/// The message of a panic payload (`&str` or `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}

/// Runs `f` under a timeout and returns its panic message; fails if it did not panic.
pub fn expect_panic<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> String {
    match run_with_timeout(name, f) {
        Ok(_) => panic!("`{name}` was expected to panic, but returned"),
        Err(payload) => panic_message(&*payload),
    }
}
