//! [`CacheRef`]: what a cache hit hands out. A hit must not write a cache line other
//! cores read, so it does not clone the `Arc` (a reference count every reader
//! increments is such a line): it borrows the value through an arc-swap guard, whose
//! bookkeeping lives in a slot of the reading thread. An explicit
//! [`to_arc`](CacheRef::to_arc) gives an owned `Arc` for values kept long-term.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// The value of a cache as one call saw it: derefs to `T`, so `cfg.seed` reads as it
/// would on the value itself. A reload never changes a value in use: the `CacheRef` keeps
/// the version it was given alive.
///
/// Meant to be short-lived, as a local in the function that called the cache: a
/// thread holding several at once uses a few per-thread slots, then falls back to
/// counting references (correct, only slower). To keep a value beyond the current
/// task, in a struct or across threads, take an `Arc`:
/// [`to_arc`](Self::to_arc), [`into_arc`](Self::into_arc) or `Arc::from(cfg)`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use singleton_runtime::InvalidatingCache;
///
/// static GREETING: InvalidatingCache<String, std::io::Error> =
///     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok("hello".to_owned()));
///
/// let greeting = GREETING.get()?;          // a `CacheRef<String>`
/// assert_eq!(greeting.len(), 5);           // derefs to the `String`
/// let kept: Arc<String> = greeting.into_arc();
/// assert_eq!(*kept, "hello");
/// # Ok::<(), std::sync::Arc<std::io::Error>>(())
/// ```
pub struct CacheRef<T>(Inner<T>);

#[cfg(not(singleton_loom))]
type Inner<T> = arc_swap::Guard<Option<Arc<T>>>;
#[cfg(singleton_loom)]
type Inner<T> = Arc<T>;

impl<T> CacheRef<T> {
    /// From a guard the slot loaded; `None` if the slot was empty.
    #[cfg(not(singleton_loom))]
    #[inline]
    pub(crate) fn from_guard(guard: Inner<T>) -> Option<Self> {
        guard.is_some().then_some(Self(guard))
    }

    /// From an owned `Arc` (a load's result, an override).
    pub(crate) fn from_arc(value: Arc<T>) -> Self {
        #[cfg(not(singleton_loom))]
        return Self(arc_swap::Guard::from_inner(Some(value)));
        #[cfg(singleton_loom)]
        return Self(value);
    }

    /// The value as an `Arc` of its own, to keep: one reference count increment.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// # static PORT: InvalidatingCache<u16, std::io::Error> =
    /// #     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok(80));
    /// let port = PORT.get()?;
    /// let kept = port.to_arc();
    /// assert_eq!((*port, *kept), (80, 80));
    /// # Ok::<(), std::sync::Arc<std::io::Error>>(())
    /// ```
    #[must_use]
    pub fn to_arc(&self) -> Arc<T> {
        Arc::clone(self.arc())
    }

    /// The value as an `Arc` of its own, consuming the `CacheRef`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// # static PORT: InvalidatingCache<u16, std::io::Error> =
    /// #     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok(80));
    /// let kept: std::sync::Arc<u16> = PORT.get()?.into_arc();
    /// assert_eq!(*kept, 80);
    /// # Ok::<(), std::sync::Arc<std::io::Error>>(())
    /// ```
    #[must_use]
    pub fn into_arc(self) -> Arc<T> {
        #[cfg(not(singleton_loom))]
        return match arc_swap::Guard::into_inner(self.0) {
            Some(value) => value,
            None => unreachable!("a CacheRef always holds a value"),
        };
        #[cfg(singleton_loom)]
        return self.0;
    }

    /// Whether two `CacheRef`s (or a `CacheRef` and a value kept with
    /// [`to_arc`](Self::to_arc)) are the same loaded version.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::{CacheRef, InvalidatingCache};
    /// # static PORT: InvalidatingCache<u16, std::io::Error> =
    /// #     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok(80));
    /// let (a, b) = (PORT.get()?, PORT.get()?);
    /// assert!(CacheRef::ptr_eq(&a, &b), "no reload in between");
    /// # Ok::<(), std::sync::Arc<std::io::Error>>(())
    /// ```
    #[must_use]
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        Arc::ptr_eq(this.arc(), other.arc())
    }

    #[inline]
    fn arc(&self) -> &Arc<T> {
        #[cfg(not(singleton_loom))]
        return match &*self.0 {
            Some(value) => value,
            // Never taken: `from_guard` and `from_arc` only build a `CacheRef` that
            // holds a value; the branch is predicted and costs no measurable time.
            None => unreachable!("a CacheRef always holds a value"),
        };
        #[cfg(singleton_loom)]
        return &self.0;
    }
}

impl<T> Deref for CacheRef<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        self.arc()
    }
}

impl<T> AsRef<T> for CacheRef<T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T> std::borrow::Borrow<T> for CacheRef<T> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T> Clone for CacheRef<T> {
    fn clone(&self) -> Self {
        Self::from_arc(self.to_arc())
    }
}

impl<T> From<CacheRef<T>> for Arc<T> {
    fn from(value: CacheRef<T>) -> Self {
        value.into_arc()
    }
}

impl<T: fmt::Debug> fmt::Debug for CacheRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for CacheRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: PartialEq> PartialEq<T> for CacheRef<T> {
    fn eq(&self, other: &T) -> bool {
        **self == *other
    }
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use crate::InvalidatingCache;

    /// A `CacheRef` (an arc-swap guard) sent to another thread, kept there across
    /// reloads and dropped there: it still holds the version it was given (Miri checks
    /// the borrow across threads).
    #[test]
    fn a_cache_ref_sent_to_another_thread_outlives_reloads() {
        // singleton-audit: allow(test instrumentation: numbers the loads)
        static LOADS: AtomicU32 = AtomicU32::new(0);
        // singleton-audit: allow(test: the cache under test)
        static CACHE: InvalidatingCache<String, String> = InvalidatingCache::new(
            || "/surely/not/read".into(),
            |_| Ok(format!("v{}", LOADS.fetch_add(1, Ordering::SeqCst) + 1)),
        );
        crate::test_support::within_timeout(|| {
            let first = CACHE.get().unwrap();
            let (sent, received) = std::sync::mpsc::channel::<super::CacheRef<String>>();
            let (reloaded, go) = std::sync::mpsc::channel::<()>();
            let keeper = std::thread::spawn(move || {
                let kept = received.recv().unwrap();
                go.recv().unwrap();
                assert_eq!(*kept, "v1");
                drop(kept);
            });
            sent.send(first).unwrap();
            for _ in 0..3 {
                drop(CACHE.reload().unwrap());
            }
            reloaded.send(()).unwrap();
            keeper.join().unwrap();
            assert_eq!(*CACHE.get().unwrap(), "v4");
        });
    }
}
