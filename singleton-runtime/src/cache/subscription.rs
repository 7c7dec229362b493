//! [`Subscription`]: being told of reloads without polling the getter.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::InvalidatingCache;

/// How long at least a blocking subscriber sleeps between two looks at the file, so
/// that a strict cache (`check_interval = 0`) is not `stat`ed in a busy loop.
const MIN_CHECK_STEP: Duration = Duration::from_millis(10);

/// Reloads of one [`InvalidatingCache`], from [`InvalidatingCache::subscribe`]: each
/// receive reports the newest value stored since the previous one, with its
/// generation. Reloads in between are not queued (the newest value is what a config
/// subscriber acts on), so a subscriber that is slow to look holds up nothing.
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use singleton_runtime::InvalidatingCache;
/// # fn path() -> std::path::PathBuf { std::env::temp_dir().join(format!("subscribe-doc-{}", std::process::id())) }
/// static TEXT: InvalidatingCache<String, std::io::Error> =
///     InvalidatingCache::new(path, |p| std::fs::read_to_string(p));
/// std::fs::write(path(), "one")?;
/// TEXT.get()?;
///
/// let mut reloads = TEXT.subscribe();
/// let watcher = std::thread::spawn(move || reloads.recv_timeout(Duration::from_secs(30)));
/// std::fs::write(path(), "two")?;
/// TEXT.invalidate(); // or wait for the check interval (or `watch = true`)
/// let (text, generation) = watcher.join().unwrap().expect("told of the reload");
/// assert_eq!((text.as_str(), generation), ("two", 2));
/// # std::fs::remove_file(path())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Subscription<'a, T, E> {
    cache: &'a InvalidatingCache<T, E>,
    id: u64,
    /// The slot's store count last reported (or seen when subscribing).
    seen: u64,
}

impl<'a, T, E> Subscription<'a, T, E> {
    pub(super) fn new(cache: &'a InvalidatingCache<T, E>) -> Self {
        Self {
            cache,
            id: cache.core.reloads().subscribe(),
            seen: cache.core.stores(),
        }
    }

    /// The newest value, if one was stored since the last report; never waits.
    ///
    /// # Examples
    ///
    /// See [`InvalidatingCache::subscribe`].
    pub fn try_recv(&mut self) -> Option<(Arc<T>, u64)> {
        if self.cache.core.stores() == self.seen {
            return None;
        }
        let (value, stores) = self.cache.core.with_generation();
        // With no value (a reset emptied the slot) there is nothing to report: it will
        // be the next load.
        self.seen = stores;
        value
    }

    /// Waits at most `timeout` for a reload and returns the newest value with its
    /// generation, or `None` if none came. While it waits it also checks the file
    /// when the check interval has passed (at most every 10 ms), so a reload is seen
    /// even if nothing else calls the cache. Runs the loader on this thread if it is
    /// the one that finds the file changed; never waits for a check or load running
    /// on another thread (its reload wakes this wait). `Duration::MAX` waits until a
    /// reload comes.
    ///
    /// # Examples
    ///
    /// See [`Subscription`].
    #[track_caller]
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<(Arc<T>, u64)> {
        // `None`: no end (`Duration::MAX`, "as long as it takes", overflows an `Instant`).
        let end = Instant::now().checked_add(timeout);
        loop {
            if let Some(reload) = self.try_recv() {
                return Some(reload);
            }
            // Nothing else may be calling the cache: look at the file if it is due
            // (not waiting for a check or load in flight: its reload will wake us).
            self.cache.look_without_waiting();
            if let Some(reload) = self.try_recv() {
                return Some(reload);
            }
            let left = end.map_or(Duration::MAX, |end| {
                end.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return None;
            }
            let step = self.cache.check_interval().max(MIN_CHECK_STEP).min(left);
            let (core, seen) = (&self.cache.core, self.seen);
            core.reloads().wait(step, || core.stores() == seen);
        }
    }

    /// A future that resolves to the next reload's value and generation (the newest,
    /// if several happened). It needs no runtime: it is woken by the thread that
    /// stores the value. It does not look at the file itself: a reload happens when a
    /// caller of the cache (or the watcher, with `watch = true`, or
    /// [`recv_timeout`](Self::recv_timeout)) finds the file changed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::future::Future;
    /// # use std::task::{Context, Poll, Waker};
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static PORT: InvalidatingCache<u16, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.txt".into(), |_| Ok(80));
    ///
    /// let mut reloads = PORT.subscribe();
    /// let mut changed = std::pin::pin!(reloads.changed());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(changed.as_mut().poll(&mut cx).is_pending());
    /// PORT.get()?;
    /// assert!(matches!(changed.as_mut().poll(&mut cx), Poll::Ready((_, 1))));
    /// # Ok::<(), std::sync::Arc<std::io::Error>>(())
    /// ```
    pub fn changed(&mut self) -> Changed<'_, 'a, T, E> {
        Changed { subscription: self }
    }
}

/// The future of [`Subscription::changed`].
#[derive(Debug)]
#[must_use = "a future does nothing unless polled"]
pub struct Changed<'s, 'a, T, E> {
    subscription: &'s mut Subscription<'a, T, E>,
}

impl<T, E> Future for Changed<'_, '_, T, E> {
    type Output = (Arc<T>, u64);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let subscription = &mut *self.subscription;
        loop {
            if let Some(reload) = subscription.try_recv() {
                return Poll::Ready(reload);
            }
            let (core, seen) = (&subscription.cache.core, subscription.seen);
            if core
                .reloads()
                .register(subscription.id, cx.waker(), || core.stores() == seen)
            {
                return Poll::Pending;
            }
        }
    }
}

impl<T, E> Drop for Changed<'_, '_, T, E> {
    fn drop(&mut self) {
        let subscription = &*self.subscription;
        subscription
            .cache
            .core
            .reloads()
            .unregister(subscription.id);
    }
}
