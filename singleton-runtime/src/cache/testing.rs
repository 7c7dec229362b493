//! Overrides and resets of an [`InvalidatingCache`] (the `testing` feature; see
//! [`crate::testing`]).

use std::sync::Arc;

use super::InvalidatingCache;
use crate::overrides::{self, Key, Kind, OverrideGuard, Shared};
use crate::testing::{Feature, FeatureEnabled};

impl<T, E> InvalidatingCache<T, E> {
    /// This thread's override, if it has one.
    #[cfg(any(test, feature = "testing"))]
    #[cold]
    #[inline(never)]
    pub(super) fn overridden(&self) -> Option<Arc<T>> {
        // SAFETY: entries under a cache's key are installed by its `override_guard`,
        // always with an `Arc<T>` (see `crate::overrides`).
        let found = unsafe { overrides::find::<Arc<T>>(Key::of(Kind::Cache, self)) }?;
        Some(Arc::clone(&found))
    }

    /// Runs `f` with `value` in place of the cached value, on this thread only (see
    /// [`crate::testing`]): [`get`](Self::get) and [`peek`](Self::peek) return it, and
    /// the file is not read. `reload`, `invalidate` and the statistics act on the real
    /// cache. Nested overrides restore in reverse order, also when `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static PORT: InvalidatingCache<u16, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.toml".into(), |_| Ok(80));
    ///
    /// PORT.override_with(8080, || assert_eq!(*PORT.get().unwrap(), 8080));
    /// assert_eq!(PORT.generation(), 0, "the file was never loaded");
    /// ```
    pub fn override_with<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R
    where
        for<'a> Feature: FeatureEnabled,
    {
        overrides::with(self.override_guard(value), f)
    }

    /// Installs `value` in place of the cached value, on this thread only, until the
    /// returned guard is dropped; as [`override_with`](Self::override_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static NAME: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |p| std::fs::read_to_string(p));
    ///
    /// let _guard = NAME.override_guard("from the test".to_owned());
    /// assert_eq!(*NAME.get().unwrap(), "from the test");
    /// ```
    pub fn override_guard(&'static self, value: T) -> OverrideGuard
    where
        for<'a> Feature: FeatureEnabled,
    {
        let value = Arc::new(Shared(Arc::new(value)));
        let at: *const Arc<T> = &raw const value.0;
        overrides::install(Key::of(Kind::Cache, self), at, Some(value))
    }

    /// Forgets the cached value, the errors and the statistics, so that the next call
    /// loads as the first one did, on every thread. Waits for a load in flight. Values
    /// already handed out are the callers' own `Arc`s and stay as they are. Overrides
    /// are not affected.
    ///
    /// # Panics
    ///
    /// If called from the cache's own loader (it would wait for itself).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// static LOADS: AtomicU32 = AtomicU32::new(0);
    /// static VALUE: InvalidatingCache<u32, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| {
    ///         Ok(LOADS.fetch_add(1, Ordering::SeqCst))
    ///     });
    ///
    /// assert_eq!(*VALUE.get().unwrap(), 0);
    /// VALUE.reset();
    /// assert_eq!((VALUE.generation(), VALUE.peek()), (0, None));
    /// assert_eq!(*VALUE.get().unwrap(), 1, "loaded again");
    /// ```
    pub fn reset(&self)
    where
        for<'a> Feature: FeatureEnabled,
    {
        self.core.reset();
    }
}
