//! Overrides and resets of an [`AsyncSingleton`] (the `testing` feature; see
//! [`crate::testing`]): those of the [`Singleton`](crate::Singleton) that stores its
//! value, plus what a reset does to a run in progress.

use super::AsyncSingleton;
use crate::testing::{Feature, FeatureEnabled, OverrideGuard};

impl<T, E> AsyncSingleton<T, E> {
    /// Runs `f` with `value` in place of this singleton, on this thread only (see
    /// [`crate::testing`]). For async tests, the override is seen by what runs on this
    /// thread: a single-threaded executor (`block_on`, a current-thread runtime) driven
    /// inside `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::AsyncSingleton;
    ///
    /// static THREADS: AsyncSingleton<usize> = AsyncSingleton::new("THREADS");
    ///
    /// THREADS.override_with(1, || assert_eq!(THREADS.get(), Some(&1)));
    /// assert_eq!(THREADS.get(), None);
    /// ```
    pub fn override_with<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R
    where
        for<'a> Feature: FeatureEnabled,
    {
        self.cell.override_with(value, f)
    }

    /// Installs `value` in place of this singleton, on this thread only, until the
    /// returned guard is dropped (see [`override_with`](Self::override_with)).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::AsyncSingleton;
    ///
    /// static NAME: AsyncSingleton<String> = AsyncSingleton::new("NAME");
    ///
    /// let guard = NAME.override_guard("test".to_owned());
    /// assert_eq!(NAME.get().map(String::as_str), Some("test"));
    /// drop(guard);
    /// assert_eq!(NAME.get(), None);
    /// ```
    pub fn override_guard(&'static self, value: T) -> OverrideGuard
    where
        for<'a> Feature: FeatureEnabled,
    {
        self.cell.override_guard(value)
    }

    /// Makes the next access initialise again, for every thread: a new generation.
    /// References handed out before stay valid (old values are never freed).
    ///
    /// A run of the initialiser in progress is not disturbed (a reset never waits,
    /// so it can be called from async code): when it completes, its value is the new
    /// generation.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::AsyncSingleton;
    ///
    /// static SEED: AsyncSingleton<u64> = AsyncSingleton::new("SEED");
    /// # let poll = |f: std::pin::Pin<&mut dyn std::future::Future<Output = &'static u64>>| {
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     let mut f = f;
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # };
    /// let old = poll(std::pin::pin!(SEED.get_or_init(|| async { 1 })));
    /// SEED.reset();
    /// assert_eq!(SEED.get(), None);
    /// assert_eq!(poll(std::pin::pin!(SEED.get_or_init(|| async { 2 }))), &2);
    /// assert_eq!(old, &1, "still valid, still the old value");
    /// ```
    pub fn reset(&self)
    where
        for<'a> Feature: FeatureEnabled,
    {
        // Under the lock, so that a run publishing right now is wholly before or after.
        let state = self.lock();
        self.cell.clear();
        drop(state);
    }
}
