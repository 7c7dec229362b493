//! Overrides and resets of a [`GuardedGlobal`] (the `testing` feature; see
//! [`crate::testing`]).

use std::mem::MaybeUninit;
use std::sync::Arc;

use super::GuardedGlobal;
use super::held::{self, Linked, Mode};
#[cfg(any(test, feature = "testing"))]
use super::lock::{Deadline, TimedOut};
use super::lock::{POISONED, RawLock, UNINIT};
use super::order::OrderId;
use crate::overrides::{self, Key, Kind, OverrideGuard, Shared};
use crate::sync::UnsafeCell;
use crate::testing::{Feature, FeatureEnabled};

impl<T> GuardedGlobal<T> {
    /// This thread's override, if it has one: a guarded global of its own.
    #[cfg(any(test, feature = "testing"))]
    #[cold]
    #[inline(never)]
    pub(super) fn overridden(&self) -> Option<overrides::Found<Self>> {
        // SAFETY: entries under a guarded global's key are installed by its
        // `override_guard`, always with a `GuardedGlobal<T>` (see `crate::overrides`).
        unsafe { overrides::find::<Self>(Key::of(Kind::Guarded, self)) }
    }

    /// An access that reached an override, out of line: the override's own fast path
    /// is inlined here, not into every `read` of the real global.
    #[cfg(any(test, feature = "testing"))]
    #[cold]
    #[inline(never)]
    pub(super) fn shared_cold<R>(
        global: &Self,
        deadline: Option<Deadline>,
        f: impl FnOnce(&T) -> R,
    ) -> Result<R, TimedOut> {
        global.shared(deadline, f)
    }

    /// As [`shared_cold`](Self::shared_cold), for exclusive access.
    #[cfg(any(test, feature = "testing"))]
    #[cold]
    #[inline(never)]
    pub(super) fn exclusive_cold<R>(
        global: &Self,
        deadline: Option<Deadline>,
        recovering: bool,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, TimedOut> {
        global.exclusive(deadline, recovering, f)
    }

    /// Runs `f` with `value` in place of this global, on this thread only (see
    /// [`crate::testing`]): `read`, `write` and the other accesses from this thread
    /// reach the override, a guarded global of its own (same name, same initialiser,
    /// same checks), and a `write` changes the override, never the real global. Nested
    /// overrides restore in reverse order, also when `f` panics.
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
        let global = Arc::new(Shared(Self {
            lock: RawLock::new(),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init: self.init,
            name: self.name,
            order: OrderId::new(),
            poisoned_by: crate::sync::Mutex::new(None),
        }));
        let global_ref = &global.0;
        let Ok(bits) = global_ref.lock.lock_write(None) else {
            unreachable!("an access without deadline cannot time out")
        };
        // SAFETY: this thread holds the write lock of a global nobody else can reach
        // yet, and `UNINIT` is set: the slot is empty.
        global_ref.value.with_mut(|slot| unsafe {
            (*slot).write(value);
        });
        global_ref.lock.unlock_write(bits & !UNINIT);
        let value: *const Self = global_ref;
        overrides::install(Key::of(Kind::Guarded, self), value, Some(global))
    }

    /// Drops the value under the write lock, so that the next access builds it again
    /// with the initialiser, on every thread; clears poison too. Waits for running
    /// accesses, like a `write`. Overrides are not affected.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write): if this thread holds the global, or (lock-order
    /// checking) taking it inverts an order seen before. If the value's `Drop`
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
    pub fn reset(&self)
    where
        for<'a> Feature: FeatureEnabled,
    {
        /// Releases the lock uninitialised and unpoisoned, also if `T::drop` panics.
        struct Release<'a>(&'a RawLock, usize);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.unlock_write(self.1);
            }
        }

        let frame = self.frame(Mode::Write);
        // SAFETY: `frame` lives until the end of this fn, and `linked` unlinks it
        // before, also when unwinding (it is dropped after `release`).
        let _entered = unsafe { held::enter(&frame) };
        let _linked = Linked(&frame);
        let Ok(bits) = self.lock.lock_write(None) else {
            unreachable!("an access without deadline cannot time out")
        };
        let _release = Release(&self.lock, (bits | UNINIT) & !POISONED);
        *self.poisoned_by.lock() = None;
        if bits & UNINIT == 0 {
            // SAFETY: this thread holds the write lock and the value is built (no
            // `UNINIT`); the lock is released with `UNINIT` set, so nobody reads it
            // again before it is rebuilt.
            self.value
                .with_mut(|slot| unsafe { (*slot).assume_init_drop() });
        }
    }
}
