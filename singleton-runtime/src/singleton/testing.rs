//! Overrides and resets of a [`Singleton`] (the `testing` feature; see [`crate::testing`]).

use super::{Node, Singleton};
use crate::once::blocking;
use crate::overrides::{self, Key, Kind, OverrideGuard};
use crate::sync::Ordering;
use crate::testing::{Feature, FeatureEnabled};
use crate::waits::{self, Resource};

impl<T> Singleton<T> {
    /// This thread's override, if it has one.
    #[cfg(any(test, feature = "testing"))]
    #[cold]
    #[inline(never)]
    pub(super) fn overridden(&self) -> Option<&T> {
        // Only a `'static` singleton can install an override (`&'static self`), so one
        // that is not `'static` finds no entry under its address.
        let key = Key::of(Kind::Singleton, self);
        // SAFETY: entries under a singleton's key are installed by `override_guard` on
        // that singleton, always with a `Node<T>` (see `crate::overrides`).
        let found = unsafe { overrides::find::<Node<T>>(key) }?;
        let node = found.as_ptr();
        // SAFETY: override nodes are retired into `self` when installed, so they live as
        // long as `self` (see `Singleton::retire`), not only as long as the override.
        // Only `value` is borrowed (see `Singleton::current`).
        Some(unsafe { &(*node).value })
    }

    /// Runs `f` with `value` in place of this singleton, on this thread only (see
    /// [`crate::testing`]); the singleton itself is neither built nor changed. Nested
    /// overrides restore in reverse order, also when `f` panics.
    ///
    /// `get` hands out `&'static` references, which may outlive the override: the value
    /// is therefore kept until the singleton is dropped (for a `static`: it is leaked).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Singleton;
    ///
    /// static THREADS: Singleton<usize> = Singleton::new("THREADS");
    ///
    /// THREADS.override_with(1, || assert_eq!(THREADS.get_or_init(|| 8), &1));
    /// assert_eq!(THREADS.get_or_init(|| 8), &8);
    /// ```
    pub fn override_with<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R
    where
        for<'a> Feature: FeatureEnabled,
    {
        overrides::with(self.override_guard(value), f)
    }

    /// Installs `value` in place of this singleton, on this thread only, until the
    /// returned guard is dropped. As [`override_with`](Self::override_with), which is
    /// the safer form: guards must be dropped in reverse order of creation.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Singleton;
    ///
    /// static NAME: Singleton<String> = Singleton::new("NAME");
    ///
    /// let guard = NAME.override_guard("test".to_owned());
    /// assert_eq!(NAME.get_or_init(|| "prod".to_owned()), "test");
    /// drop(guard);
    /// assert_eq!(NAME.get_or_init(|| "prod".to_owned()), "prod");
    /// ```
    pub fn override_guard(&'static self, value: T) -> OverrideGuard
    where
        for<'a> Feature: FeatureEnabled,
    {
        let node = Box::into_raw(Box::new(Node {
            value,
            next: std::ptr::null_mut(),
        }));
        self.retire(node);
        overrides::install(Key::of(Kind::Singleton, self), node.cast_const(), None)
    }

    /// Makes the next access initialise again, for every thread: a new generation.
    ///
    /// Every reference handed out before stays valid and keeps showing the old value:
    /// old generations are kept until the singleton is dropped (for a `static`: they
    /// are leaked). A reset waits for an initialiser running on another thread and
    /// keeps others from starting until it is done, so each generation is built by one
    /// successful initialiser, and a reader gets the old or the new value, whole.
    /// Overrides are not affected.
    ///
    /// # Panics
    ///
    /// If called from this singleton's own initialiser (reported as an init cycle).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Singleton;
    ///
    /// static SEED: Singleton<u64> = Singleton::new("SEED");
    ///
    /// let old = SEED.get_or_init(|| 1);
    /// SEED.reset();
    /// assert_eq!(SEED.get_or_init(|| 2), &2);
    /// assert_eq!(old, &1, "still valid, still the old value");
    /// ```
    #[track_caller]
    pub fn reset(&self)
    where
        for<'a> Feature: FeatureEnabled,
    {
        let resource = Resource::named(
            std::ptr::from_ref(self).addr(),
            waits::Kind::Singleton,
            self.name,
        );
        // Holding the claim, like an initialiser, keeps initialisers out while the
        // generation changes; `|| false`: claim even when a value is there.
        let Some(claim) = blocking::claim(&resource, || false) else {
            unreachable!("a claim that is never ready is owned")
        };
        let old = self.current.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !old.is_null() {
            self.retire(old);
        }
        drop(claim);
    }
}
