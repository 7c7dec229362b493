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
    /// The kept `Arc<T>`, as a pointer to its `T`; `None` for an empty entry.
    value: Option<Kept>,
}

/// An `Arc<T>` with its type erased: the pointer of `Arc::into_raw`, and the function
/// that gives the reference back.
struct Kept {
    ptr: *const (),
    release: unsafe fn(*const ()),
}

/// Gives back the reference of an `Arc<T>` kept as `ptr`.
///
/// # Safety
///
/// `ptr` came from `Arc::<T>::into_raw`, and is released once.
unsafe fn release<T>(ptr: *const ()) {
    // SAFETY: as the caller promises.
    drop(unsafe { Arc::from_raw(ptr.cast::<T>()) });
}

impl Drop for Kept {
    fn drop(&mut self) {
        // SAFETY: `keep` built `ptr` with `Arc::into_raw` of an `Arc<T>` and `release`
        // as `release::<T>` for that same `T`; a `Kept` is dropped once.
        unsafe { (self.release)(self.ptr) }
    }
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
                UnsafeCell::new(Entry { key: 0, stores: 0, value: None })
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
        let ptr = entry.value.as_ref()?.ptr;
        let f = f.take()?;
        local.busy.set(true);
        let _busy = Busy(&local.busy);
        // SAFETY: `ptr` is the `T` of the `Arc<T>` the entry keeps (key `key` is only
        // ever kept with the `T` of cache `key`); the entry is not replaced while
        // `busy` is set, so the `Arc` keeps the value alive for the whole call.
        Some(f(unsafe { &*ptr.cast::<T>() }))
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
pub(crate) fn keep<T: 'static>(key: usize, stores: u64, value: &Arc<T>) {
    let _ = LOCAL.try_with(|local| {
        if local.busy.get() {
            return;
        }
        let kept = Kept {
            ptr: Arc::into_raw(Arc::clone(value)).cast::<()>(),
            release: release::<T>,
        };
        // SAFETY: this thread only, and not while a closure runs (see `try_with`).
        let entry = unsafe { &mut *local.entries[way(key)].get() };
        let old = std::mem::replace(
            entry,
            Entry {
                key,
                stores,
                value: Some(kept),
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

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicU32, Ordering};

    /// Drops of `Counted` values.
    // singleton-audit: allow(test instrumentation: counts drops of kept values)
    static DROPS: AtomicU32 = AtomicU32::new(0);

    struct Counted(u32);

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_kept_value_serves_its_key_and_count_only_and_is_released_when_replaced() {
        let drops = || DROPS.load(Ordering::SeqCst);
        let key = 0x1000;
        let first = Arc::new(Counted(1));
        keep(key, 7, &first);
        drop(first);
        assert_eq!(try_with(key, 7, |v: &Counted| v.0).ok(), Some(1));
        assert!(
            try_with(key, 8, |v: &Counted| v.0).is_err(),
            "a newer store"
        );
        assert!(
            try_with(key + (WAYS << 6), 7, |v: &Counted| v.0).is_err(),
            "another cache"
        );
        assert_eq!(drops(), 0, "still kept");
        keep(key, 8, &Arc::new(Counted(2)));
        assert_eq!(drops(), 1, "the replaced value is released");
        assert_eq!(try_with(key, 8, |v: &Counted| v.0).ok(), Some(2));
        keep(key, 9, &Arc::new(0_u8));
        assert_eq!(drops(), 2);
    }

    #[test]
    fn a_nested_call_takes_the_ordinary_path_and_keeps_nothing() {
        let key = 0x2000;
        keep(key, 1, &Arc::new(5_u32));
        let outer = try_with(key, 1, |v: &u32| {
            let inner = try_with(key, 1, |w: &u32| *w);
            assert!(inner.is_err(), "busy: the entry is borrowed");
            keep(key, 2, &Arc::new(6_u32)); // ignored while busy
            *v
        });
        assert_eq!(outer.ok(), Some(5));
        assert_eq!(try_with(key, 1, |v: &u32| *v).ok(), Some(5), "not replaced");
        assert!(try_with(key, 2, |v: &u32| *v).is_err());
    }

    /// `with` on several threads while another reloads: each thread sees versions in
    /// order, never a freed one (Miri checks the kept `Arc`s), and the latest at the end.
    #[test]
    fn with_across_threads_during_reloads_sees_versions_in_order() {
        use crate::InvalidatingCache;

        // singleton-audit: allow(test instrumentation: numbers the loads)
        static LOADS: AtomicU32 = AtomicU32::new(0);
        // singleton-audit: allow(test: the cache under test, used with `with`)
        static CACHE: InvalidatingCache<Vec<u32>, String> = InvalidatingCache::new(
            || "/surely/not/read".into(),
            |_| Ok(vec![LOADS.fetch_add(1, Ordering::SeqCst) + 1; 4]),
        );
        const RELOADS: u32 = if cfg!(miri) { 3 } else { 50 };
        crate::test_support::within_timeout(|| {
            CACHE.with(|v| assert_eq!(v[0], 1)).unwrap();
            let readers: Vec<_> = (0..2)
                .map(|_| {
                    std::thread::spawn(|| {
                        let mut last = 0;
                        for _ in 0..RELOADS * 2 {
                            let seen = CACHE
                                .with(|v| {
                                    assert!(v.iter().all(|&x| x == v[0]), "whole");
                                    v[0]
                                })
                                .unwrap();
                            assert!(seen >= last, "{seen} after {last}");
                            last = seen;
                            std::thread::yield_now();
                        }
                    })
                })
                .collect();
            for _ in 0..RELOADS {
                drop(CACHE.reload().unwrap());
            }
            for reader in readers {
                reader.join().unwrap();
            }
            let latest = LOADS.load(Ordering::SeqCst);
            assert_eq!(CACHE.with(|v| v[0]).unwrap(), latest);
        });
    }

    #[test]
    fn a_panicking_closure_clears_busy() {
        let key = 0x3000;
        keep(key, 1, &Arc::new(1_u8));
        let caught = std::panic::catch_unwind(|| try_with(key, 1, |_: &u8| panic!("closure")));
        assert!(caught.is_err());
        assert_eq!(try_with(key, 1, |v: &u8| *v).ok(), Some(1));
    }
}
