//! Where the current value lives: an `ArcSwapOption`, so a hit is a wait-free `Arc`
//! clone that never blocks behind a reload. arc-swap is not loom-aware; under loom the
//! slot is a mutex around the same `Option<Arc<T>>`, which models the same contract
//! (a load returns some value that was stored, whole) without its internals.

use std::sync::Arc;

/// The current value of a cache, `None` until the first successful load.
#[cfg(not(singleton_loom))]
#[derive(Debug)]
pub(crate) struct Slot<T>(arc_swap::ArcSwapOption<T>);

#[cfg(not(singleton_loom))]
impl<T> Slot<T> {
    pub(crate) const fn new() -> Self {
        Self(arc_swap::ArcSwapOption::const_empty())
    }

    /// A snapshot of the current value: the reader's own `Arc`, untouched by reloads.
    #[inline]
    pub(crate) fn load(&self) -> Option<Arc<T>> {
        self.0.load_full()
    }

    /// Stores `value` and hands back the previous one, for the caller to drop outside
    /// its locks (dropping a `T` runs user code).
    pub(crate) fn swap(&self, value: Arc<T>) -> Option<Arc<T>> {
        self.0.swap(Some(value))
    }

    /// Empties the slot (a reset), handing back the value as `swap` does.
    pub(crate) fn take(&self) -> Option<Arc<T>> {
        self.0.swap(None)
    }
}

/// The loom stand-in for the slot (see the module docs).
#[cfg(singleton_loom)]
#[derive(Debug)]
pub(crate) struct Slot<T>(crate::sync::Mutex<Option<Arc<T>>>);

#[cfg(singleton_loom)]
impl<T> Slot<T> {
    pub(crate) fn new() -> Self {
        Self(crate::sync::Mutex::new(None))
    }

    pub(crate) fn load(&self) -> Option<Arc<T>> {
        self.0.lock().clone()
    }

    pub(crate) fn swap(&self, value: Arc<T>) -> Option<Arc<T>> {
        self.0.lock().replace(value)
    }

    pub(crate) fn take(&self) -> Option<Arc<T>> {
        self.0.lock().take()
    }
}
