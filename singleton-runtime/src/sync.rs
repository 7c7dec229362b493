//! The one place that chooses between `std` and `loom` synchronisation primitives.
//!
//! Every custom synchronisation state machine in this crate takes its atomics, locks
//! and cells from here, so that `RUSTFLAGS="--cfg loom" cargo test --release -p
//! singleton-runtime --lib loom` model-checks the same code that ships.

#[cfg(not(loom))]
pub(crate) use std::sync::{
    Condvar, Mutex, MutexGuard,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};

#[cfg(loom)]
pub(crate) use loom::sync::{
    Condvar, Mutex, MutexGuard,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};

/// The id of the current thread (loom's own under loom, where all model threads share
/// one OS thread).
#[cfg(not(loom))]
pub(crate) fn current_thread_id() -> std::thread::ThreadId {
    std::thread::current().id()
}

#[cfg(loom)]
pub(crate) fn current_thread_id() -> loom::thread::ThreadId {
    loom::thread::current().id()
}

/// Thread id type matching [`current_thread_id`].
#[cfg(not(loom))]
pub(crate) type ThreadId = std::thread::ThreadId;
#[cfg(loom)]
pub(crate) type ThreadId = loom::thread::ThreadId;

/// An `UnsafeCell` with loom's closure-based API, so that loom can track accesses.
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(
    #[cfg(not(loom))] std::cell::UnsafeCell<T>,
    #[cfg(loom)] loom::cell::UnsafeCell<T>,
);

impl<T> UnsafeCell<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Self(loom::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared pointer to the contents.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        #[cfg(not(loom))]
        {
            f(self.0.get())
        }
        #[cfg(loom)]
        {
            self.0.with(f)
        }
    }

    /// Runs `f` with a mutable pointer to the contents.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        #[cfg(not(loom))]
        {
            f(self.0.get())
        }
        #[cfg(loom)]
        {
            self.0.with_mut(f)
        }
    }
}

/// Locks `m`, ignoring poison: every critical section in this crate leaves the
/// protected state consistent before it can panic, and no user code runs under these
/// internal locks.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Waits on `cv`, ignoring poison (see [`lock`]).
pub(crate) fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard)
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Waits on `cv` for at most `timeout`, ignoring poison (see [`lock`]). Under loom
/// this waits for a notification (loom does not model time).
pub(crate) fn wait_timeout<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: std::time::Duration,
) -> MutexGuard<'a, T> {
    match cv.wait_timeout(guard, timeout) {
        Ok((guard, _)) => guard,
        Err(poisoned) => poisoned.into_inner().0,
    }
}

#[cfg(loom)]
pub(crate) use loom::sync::atomic::fence;
/// A memory fence (loom's under loom, so that the model sees it).
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::fence;
