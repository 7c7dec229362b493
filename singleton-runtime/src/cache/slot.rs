//! Where the current value lives: an `ArcSwapOption`, so a hit is a wait-free load that
//! never blocks behind a reload and writes no cache line other readers read (arc-swap
//! records the borrow in a slot of the reading thread). arc-swap is not loom-aware;
//! under loom the slot is a mutex around the same `Option<Arc<T>>`, which models the
//! same contract (a load returns some value that was stored, whole) without its
//! internals.
//!
//! `stores` counts the stores (and resets): a reader that kept a value of its own
//! (`cache/local.rs`) knows it is still the current one while the count has not moved.
//! Every store happens under the cache's state lock, so the count and the slot move in
//! the same order; the count moves after the slot, so a reader that sees the count
//! unchanged read it before the store finished, as if it had read just before.

use std::sync::Arc;

use super::value::CacheRef;
use crate::sync::{AtomicU64, Ordering, loom_const_fn};

/// The current value of a cache, `None` until the first successful load.
#[derive(Debug)]
pub(crate) struct Slot<T> {
    #[cfg(not(singleton_loom))]
    value: arc_swap::ArcSwapOption<T>,
    #[cfg(singleton_loom)]
    value: crate::sync::Mutex<Option<Arc<T>>>,
    stores: AtomicU64,
}

impl<T> Slot<T> {
    loom_const_fn! {
        pub(crate) fn new() -> Self {
            Self {
                #[cfg(not(singleton_loom))]
                value: arc_swap::ArcSwapOption::const_empty(),
                #[cfg(singleton_loom)]
                value: crate::sync::Mutex::new(None),
                stores: AtomicU64::new(0),
            }
        }
    }

    /// A snapshot of the current value: the reader's own `Arc`, untouched by reloads.
    #[inline]
    pub(crate) fn load(&self) -> Option<Arc<T>> {
        #[cfg(not(singleton_loom))]
        return self.value.load_full();
        #[cfg(singleton_loom)]
        return self.value.lock().clone();
    }

    /// The current value, borrowed for the caller without a reference count (the hit).
    #[inline]
    pub(crate) fn guard(&self) -> Option<CacheRef<T>> {
        #[cfg(not(singleton_loom))]
        return CacheRef::from_guard(self.value.load());
        #[cfg(singleton_loom)]
        return self.load().map(CacheRef::from_arc);
    }

    /// How many times the slot was stored to or emptied.
    #[inline]
    pub(crate) fn stores(&self) -> u64 {
        self.stores.load(Ordering::Acquire)
    }

    /// Stores `value` and hands back the previous one, for the caller to drop outside
    /// its locks (dropping a `T` runs user code). Called under the state lock.
    pub(crate) fn swap(&self, value: Arc<T>) -> Option<Arc<T>> {
        #[cfg(not(singleton_loom))]
        let old = self.value.swap(Some(value));
        #[cfg(singleton_loom)]
        let old = self.value.lock().replace(value);
        self.stores.fetch_add(1, Ordering::Release);
        old
    }

    /// Empties the slot (a reset), handing back the value as `swap` does. Called under
    /// the state lock.
    pub(crate) fn take(&self) -> Option<Arc<T>> {
        #[cfg(not(singleton_loom))]
        let old = self.value.swap(None);
        #[cfg(singleton_loom)]
        let old = self.value.lock().take();
        self.stores.fetch_add(1, Ordering::Release);
        old
    }
}
