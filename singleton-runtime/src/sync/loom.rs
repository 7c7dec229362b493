//! The loom half of the facade: the same names, model-checked (`cfg(singleton_loom)`).

pub(crate) use loom::cell::UnsafeCell;
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence,
};
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};
pub(crate) use loom::thread::{Thread, ThreadId, current as current_thread};

/// The id of the current model thread (all model threads share one OS thread).
pub(crate) fn current_thread_id() -> ThreadId {
    loom::thread::current().id()
}

/// The name of a model thread, if it has one.
pub(crate) fn thread_name(thread: &Thread) -> Option<&str> {
    thread.name()
}
