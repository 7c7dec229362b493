//! Overrides and resets of a [`GuardedGlobal`] (the `testing` feature; see
//! [`crate::testing`]).

use std::sync::Arc;

use super::GuardedGlobal;
use super::core::Core;
use super::error::Name;
use super::order::OrderId;
use super::raw::Biased;
use crate::overrides::{self, Key, Kind, OverrideGuard, Shared};
use crate::testing::{Feature, FeatureEnabled};

impl<T> GuardedGlobal<T> {
    /// This thread's override, if it has one: a guarded value of its own.
    #[cfg(any(test, feature = "testing"))]
    #[cold]
    #[inline(never)]
    pub(super) fn overridden(&self) -> Option<overrides::Found<Core<T, Biased>>> {
        // SAFETY: entries under a guarded global's key are installed by its
        // `override_guard`, always with a `Core<T, Biased>` (see `crate::overrides`).
        unsafe { overrides::find::<Core<T, Biased>>(Key::of(Kind::Guarded, self)) }
    }

    /// Runs `f` with `value` in place of this global, on this thread only (see
    /// [`crate::testing`]): `read`, `write` and the other accesses from this thread
    /// reach the override, a guarded value of its own (same name, same checks), and a
    /// `write` changes the override, never the real global. Nested overrides restore
    /// in reverse order, also when `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static QUEUE: Vec<&'static str> = Vec::new();
    ///
    /// QUEUE.override_with(vec!["fixture"], || {
    ///     QUEUE.write(|q| q.push("pushed by the test"));
    ///     assert_eq!(QUEUE.read(Vec::len), 2);
    /// });
    /// assert!(QUEUE.read(Vec::is_empty), "the real global was never touched");
    /// ```
    pub fn override_with<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R
    where
        for<'a> Feature: FeatureEnabled,
    {
        overrides::with(self.override_guard(value), f)
    }

    /// Installs `value` in place of this global, on this thread only, until the
    /// returned guard is dropped; as [`override_with`](Self::override_with). The
    /// override's value is dropped when the guard is, unless an access that reached it
    /// is still running (then when that access ends).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static LEVEL: u8 = 1;
    ///
    /// let guard = LEVEL.override_guard(9);
    /// assert_eq!(LEVEL.read(|l| *l), 9);
    /// drop(guard);
    /// assert_eq!(LEVEL.read(|l| *l), 1);
    /// ```
    pub fn override_guard(&'static self, value: T) -> OverrideGuard
    where
        for<'a> Feature: FeatureEnabled,
    {
        let core: Arc<Shared<Core<T, Biased>>> = Arc::new(Shared(Core::new(
            Name::global(self.name),
            value,
            OrderId::new(),
        )));
        let value: *const Core<T, Biased> = &raw const core.0;
        overrides::install(Key::of(Kind::Guarded, self), value, Some(core))
    }

    /// Replaces the value with a fresh one from the initialiser, under the write lock,
    /// and clears poison: what the next access sees is what a first access would have
    /// built. Waits for running accesses, like a `write`. A global never accessed stays
    /// unbuilt. Overrides are not affected.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write): if this thread holds the global, or (lock-order
    /// checking) taking it inverts an order seen before. If the initialiser panics, the
    /// panic passes through and the value is unchanged; if the old value's `Drop`
    /// panics, the panic passes through and the global is still reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static SEEN: Vec<u32> = vec![0];
    ///
    /// SEEN.write(|s| s.push(1));
    /// SEEN.reset();
    /// assert_eq!(SEEN.read(Vec::clone), [0]);
    /// ```
    #[track_caller]
    pub fn reset(&self)
    where
        for<'a> Feature: FeatureEnabled,
    {
        if let Some(core) = self.built() {
            let fresh = (self.init)();
            let old = core.recover(|value| std::mem::replace(value, fresh));
            drop(old);
        }
    }
}
