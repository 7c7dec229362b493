//! Reading a cache beyond `get`: closure access, a value with its generation, and
//! subscriptions.

use std::sync::Arc;

use super::value::CacheRef;
use super::{InvalidatingCache, Subscription, clock, local};

impl<T, E> InvalidatingCache<T, E> {
    /// Runs `f` on the cached value and returns what it returns: [`get`](Self::get)
    /// for code that only looks at the value, and the fastest way to read it. Each
    /// thread keeps its own reference to the current value, so a call costs a clock
    /// read, a thread-local lookup and the load of a counter that only a reload
    /// writes; the first call after a reload takes the ordinary path once.
    ///
    /// A thread's kept reference lives until that thread calls `with` on this cache
    /// again (or exits), so a replaced value may be freed later than with `get`.
    /// Calls nested in `f` work (they take the ordinary path).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get): the loader's error while there is no good value yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static NAME: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok("svc".to_owned()));
    ///
    /// assert_eq!(NAME.with(|name| name.len())?, 3);
    /// # Ok::<(), std::sync::Arc<std::io::Error>>(())
    /// ```
    #[inline]
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, Arc<E>> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(value) = self.overridden()
        {
            return Ok(f(&value));
        }
        let now = clock::now_ns();
        let f = if self.core.fresh(now) {
            match local::try_with(self.key(), self.core.stores(), f) {
                Ok(result) => return Ok(result),
                Err(f) => f,
            }
        } else {
            f
        };
        self.with_slow(now, f)
    }

    /// `with` when this thread keeps no current value: the ordinary path, then keep it.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn with_slow<R>(&'static self, now: u64, f: impl FnOnce(&T) -> R) -> Result<R, Arc<E>> {
        // Read before the value: a store in between makes the kept value look older
        // than it is (one more miss), never newer.
        let stores = self.core.stores();
        let value = match self.core.hit(now) {
            Some(value) => value,
            None => self.check(now)?,
        };
        local::keep(self.key(), stores, &value);
        Ok(f(&value))
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// The cached value (checked and loaded as by [`get`](Self::get)) together with
    /// its generation (see [`generation`](Self::generation)), read atomically: the
    /// generation is the one that value was loaded as. (Under a test's override: the
    /// override, with the real cache's generation.)
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static PORT: InvalidatingCache<u16, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok(80));
    ///
    /// let (port, generation) = PORT.get_with_generation()?;
    /// assert_eq!((*port, generation), (80, 1));
    /// PORT.invalidate();
    /// assert_eq!(PORT.get_with_generation()?.1, 2);
    /// # Ok::<(), std::sync::Arc<std::io::Error>>(())
    /// ```
    #[track_caller]
    pub fn get_with_generation(&self) -> Result<(CacheRef<T>, u64), Arc<E>> {
        loop {
            let value = self.get()?;
            #[cfg(any(test, feature = "testing"))]
            if crate::overrides::active() && self.overridden().is_some() {
                return Ok((value, self.generation()));
            }
            drop(value);
            // `None` only if a reset emptied the slot since `get`: go again.
            if let (Some((value, generation)), _) = self.core.with_generation() {
                return Ok((CacheRef::from_arc(value), generation));
            }
        }
    }

    /// A subscription to this cache's reloads: its [`recv_timeout`](Subscription::recv_timeout)
    /// blocks until a load stores a new value (and checks the file while it waits), its
    /// [`changed`](Subscription::changed) is a future for the same, with no runtime
    /// needed. Reloads that happen before the subscription is polled are reported as
    /// one: a subscriber sees the newest value, never a queue, and a slow subscriber
    /// delays no reload and no reader.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static PORT: InvalidatingCache<u16, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok(80));
    ///
    /// let mut reloads = PORT.subscribe();
    /// assert!(reloads.try_recv().is_none(), "nothing loaded yet");
    /// PORT.get()?;
    /// let (port, generation) = reloads.try_recv().expect("the first load");
    /// assert_eq!((*port, generation), (80, 1));
    /// assert!(reloads.recv_timeout(Duration::from_millis(10)).is_none());
    /// # Ok::<(), std::sync::Arc<std::io::Error>>(())
    /// ```
    pub fn subscribe(&self) -> Subscription<'_, T, E> {
        Subscription::new(self)
    }

    /// What a [`get`](Self::get) does to the file (check it, if due, and reload it if
    /// it changed), for a subscriber: without waiting for a check or load already in
    /// flight on another thread, and without reading the file under a test's override.
    #[track_caller]
    pub(super) fn look_without_waiting(&self) {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active() && self.overridden().is_some() {
            return;
        }
        let now = clock::now_ns();
        if !self.core.fresh(now) {
            let _ = self.check_or_busy(now, false);
        }
    }
}
