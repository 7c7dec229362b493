//! Closure access (`with`) without touching any line other cores write: each thread
//! keeps its own `Arc` of the values it read, tagged with the cache and the slot's
//! store count (`Slot::stores`) it was current at. A call whose cache and count match
//! runs the closure on the kept value: a thread-local lookup and one load of a counter
//! that only a store writes. Otherwise the caller takes the ordinary path and keeps
//! what it got (one reference count increment, on a miss only).
//!
//! A few entries per thread, direct-mapped by the cache's address: two caches used in
//! turn on one thread keep both. A closure that calls `with` again (of any cache) runs
//! the inner call on the ordinary path, so an entry is never replaced while a closure
//! borrows it.
//!
//! The cost: a kept value lives until its thread next reads that cache (or exits),
//! even after a reload replaced it.

use std::cell::{Cell, UnsafeCell};
use std::sync::Arc;

/// Entries per thread.
const WAYS: usize = 4;

struct Entry {
    /// The cache's address (caches used with `with` are `'static`, so an address names
    /// one cache, and one `T`, for the life of the process); 0 for an empty entry.
    key: usize,
    /// `Slot::stores` when `value` was current.
    stores: u64,
    /// `value` as a pointer to its `T`.
    ptr: *const (),
    /// Keeps the value alive (never read: held for its `Drop`).
    _value: Option<Arc<dyn Send + Sync>>,
}

struct Local {
    /// A closure of `with` is running on this thread.
    busy: Cell<bool>,
    entries: [UnsafeCell<Entry>; WAYS],
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            busy: Cell::new(false),
            entries: [const {
                UnsafeCell::new(Entry { key: 0, stores: 0, ptr: std::ptr::null(), _value: None })
            }; WAYS],
        }
    };
}

fn way(key: usize) -> usize {
    // Statics are at least 8-aligned and a few hundred bytes apart.
    (key >> 6) % WAYS
}

/// Clears `busy` when the closure returns or unwinds.
struct Busy<'a>(&'a Cell<bool>);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Runs `f` on this thread's kept value of cache `key` if it is current at `stores`;
/// else hands `f` back.
#[inline]
pub(crate) fn try_with<T: 'static, R, F: FnOnce(&T) -> R>(
    key: usize,
    stores: u64,
    f: F,
) -> Result<R, F> {
    let mut f = Some(f);
    let ran = LOCAL.try_with(|local| {
        if local.busy.get() {
            return None;
        }
        // SAFETY: entries are only accessed on this thread, and never while `busy` (a
        // closure borrowing one may be running): here `busy` is clear, and `keep`
        // cannot run until it is clear again.
        let entry = unsafe { &*local.entries[way(key)].get() };
        if entry.key != key || entry.stores != stores {
            return None;
        }
        let f = f.take()?;
        local.busy.set(true);
        let _busy = Busy(&local.busy);
        // SAFETY: `ptr` points to the `T` of the `Arc` the entry holds (`keep` stored
        // both from one `Arc<T>`, and key `key` is only ever stored with the `T` of
        // cache `key`); the entry is not replaced while `busy` is set, so the `Arc`
        // keeps the value alive for the whole call.
        Some(f(unsafe { &*entry.ptr.cast::<T>() }))
    });
    match (ran, f) {
        (Ok(Some(result)), _) => Ok(result),
        // No current value kept, or the thread is exiting (its locals are gone).
        (_, Some(f)) => Err(f),
        (_, None) => unreachable!("`f` is taken only when it runs"),
    }
}

/// Keeps `value`, current at `stores`, as this thread's value of cache `key`, unless a
/// closure of `with` is running.
pub(crate) fn keep<T: Send + Sync + 'static>(key: usize, stores: u64, value: &Arc<T>) {
    let _ = LOCAL.try_with(|local| {
        if local.busy.get() {
            return;
        }
        let ptr = Arc::as_ptr(value).cast::<()>();
        let kept: Arc<dyn Send + Sync> = Arc::clone(value) as _;
        // SAFETY: this thread only, and not while a closure runs (see `try_with`).
        let entry = unsafe { &mut *local.entries[way(key)].get() };
        let old = std::mem::replace(
            entry,
            Entry {
                key,
                stores,
                ptr,
                _value: Some(kept),
            },
        );
        // The replaced value's `Drop` (user code) runs with no reference into the
        // entries held, and with `busy` set: a `with` it makes takes the ordinary path
        // and keeps nothing.
        local.busy.set(true);
        let _busy = Busy(&local.busy);
        drop(old);
    });
}
