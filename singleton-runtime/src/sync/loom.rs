//! The loom half of the facade: the same names, model-checked (`cfg(singleton_loom)`).

pub(crate) use loom::cell::UnsafeCell;
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering, fence};
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
pub(crate) use loom::thread::ThreadId;

/// The id of the current model thread (all model threads share one OS thread).
pub(crate) fn current_thread_id() -> ThreadId {
    loom::thread::current().id()
}

/// Model threads have no names worth printing.
pub(crate) fn current_thread_name() -> Option<String> {
    None
}
