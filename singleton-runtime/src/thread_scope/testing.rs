//! Overrides and resets of thread-scoped singletons (the `testing` feature).
//!
//! Both act on the **current thread only**, like the thread-scoped value itself: an
//! override replaces this thread's instance for the extent of a closure or guard, a
//! reset drops this thread's instance so that the next access on this thread builds it
//! again. Tests run on threads of one process in parallel; since every thread has its
//! own instance anyway, an override or reset in one test is invisible to every other.
//!
//! Unlike the other primitives' overrides, these live in the singleton's own slot, not
//! in the per-thread stacks of `overrides.rs`: the value need not be `Send`, so it must
//! not be carried to another thread by `Overrides::capture` (a thread spawned by a test
//! builds its own instance, or installs its own override). And the fast path does not
//! look for them: installing one points the fast cell at it, so an active override
//! costs an access nothing. What the feature does cost is a borrow count around the
//! closure, so that a reset or the end of an override never frees a value a running
//! `with` closure on this thread borrows.

use std::marker::PhantomData;

use super::slot::Owned;
use super::{ThreadScoped, fail};
use crate::testing::{Feature, FeatureEnabled};

impl<T: 'static> ThreadScoped<T> {
    /// Makes `value` this thread's instance until the guard drops (then this thread
    /// sees its own instance again, or builds it on the next access if it never had
    /// one). Other threads are not affected.
    ///
    /// # Panics
    ///
    /// During or after the thread's teardown.
    pub fn override_guard(&'static self, value: T) -> ThreadOverrideGuard<T>
    where
        for<'a> Feature: FeatureEnabled,
    {
        let installed = self.slot.try_with(|slot| {
            let id = slot.next_override.get();
            slot.next_override.set(id + 1);
            slot.overrides.borrow_mut().push((id, Owned::new(value)));
            slot.repoint(self);
            id
        });
        match installed {
            Ok(id) => ThreadOverrideGuard {
                scoped: self,
                id,
                _not_send: PhantomData,
            },
            Err(_) => fail(self.destroyed()),
        }
    }

    /// Runs `f` with `value` as this thread's instance (see
    /// [`override_guard`](Self::override_guard)); the override ends when `f` returns or
    /// panics.
    pub fn override_with<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R
    where
        for<'a> Feature: FeatureEnabled,
    {
        let _guard = self.override_guard(value);
        f()
    }

    /// Drops this thread's instance (if built); the next access on this thread builds
    /// it again. Other threads' instances and this thread's overrides are not affected.
    /// During or after the thread's teardown it does nothing.
    ///
    /// # Panics
    ///
    /// Inside a `with` closure of this singleton on this thread (the closure borrows
    /// the instance).
    pub fn reset(&'static self)
    where
        for<'a> Feature: FeatureEnabled,
    {
        let _ = self.slot.try_with(|slot| slot.clear(self));
        let _ = self.slot.try_with(|slot| drop(slot.retired.take()));
    }

    /// Ends override `id` (see [`ThreadOverrideGuard`]).
    fn end_override(&'static self, id: u64) {
        let _ = self.slot.try_with(|slot| {
            let ended = {
                let mut overrides = slot.overrides.borrow_mut();
                let at = overrides.iter().position(|(i, _)| *i == id);
                at.map(|at| overrides.remove(at).1)
            };
            slot.repoint(self);
            if let Some(ended) = ended {
                if self.fast.with(super::FastCell::borrowed) {
                    // A running `with` closure may borrow it: kept until a reset or
                    // the thread's exit.
                    slot.retired.borrow_mut().push(ended);
                } else {
                    drop(ended); // after the borrow of `overrides` ended: may reach us
                }
            }
        });
    }
}

/// Ends a thread-scoped singleton's override when dropped: this thread sees again what
/// it saw before (an outer override, its own instance, or a fresh one built on the next
/// access). `!Send`: the override belongs to the thread that installed it.
///
/// Guards may be dropped in any order; the innermost live override is what accesses
/// see. An override value is dropped with its guard, unless a `with` closure of the
/// singleton is running on this thread at that moment (the guard was moved into it):
/// then at this thread's next `reset` of the singleton, or at its exit.
///
/// # Examples
///
/// ```
/// use singleton_runtime::singleton;
/// use std::cell::Cell;
///
/// #[singleton(scope = thread)]
/// fn budget() -> Cell<u32> {
///     Cell::new(100)
/// }
///
/// budget::with(|b| b.set(90));
/// {
///     let _guard = budget::override_guard(Cell::new(1));
///     assert_eq!(budget::with(Cell::get), 1);
///     // Other threads keep their own instance.
///     std::thread::spawn(|| assert_eq!(budget::with(Cell::get), 100))
///         .join()
///         .unwrap();
/// }
/// assert_eq!(budget::with(Cell::get), 90, "this thread's instance, untouched");
/// budget::reset();
/// assert_eq!(budget::with(Cell::get), 100, "built again");
/// ```
#[must_use = "the override ends when the guard is dropped: bind it with `let _guard = ...`"]
pub struct ThreadOverrideGuard<T: 'static> {
    scoped: &'static ThreadScoped<T>,
    id: u64,
    _not_send: PhantomData<*const ()>,
}

impl<T: 'static> std::fmt::Debug for ThreadOverrideGuard<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadOverrideGuard")
            .field("singleton", &self.scoped.name)
            .finish_non_exhaustive()
    }
}

impl<T: 'static> Drop for ThreadOverrideGuard<T> {
    fn drop(&mut self) {
        self.scoped.end_override(self.id);
    }
}
