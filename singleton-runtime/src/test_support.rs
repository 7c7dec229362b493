//! Support for this crate's own unit tests.

use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on its own thread and fails with "deadlock: ..." if it has not finished
/// within 60 s (generous: Miri runs these too), instead of hanging the test run. A
/// panic in `f` is passed on.
pub(crate) fn within_timeout(f: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_mins(1)) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(payload) = worker.join() {
                std::panic::resume_unwind(payload);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock: the test did not finish within 60 s")
        }
    }
}

/// The name of `V`'s type, without its path and parameters (`IsRc`, `ThreadSafe`):
/// what the diagnostic probes' tests compare.
pub(crate) fn type_base_name<V>(_: V) -> &'static str {
    let name = std::any::type_name::<V>();
    let base = name.split('<').next().unwrap_or(name);
    base.rsplit("::").next().unwrap_or(base)
}
