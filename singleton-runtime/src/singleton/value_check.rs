//! The `Send + Sync` check of a `#[singleton]` fn's value, a `#[guarded_global]`'s value and of an
//! `#[invalidating_cache]`'s `T` and `E`: one error per type that is not thread-safe,
//! with the message of the macro, instead of a pair (`Send`, then `Sync`) — or rustc's
//! leaf message, which names neither the global nor the fix. The same autoref probe as
//! `field_check` (see there for why a bound cannot carry the message), asked of a whole
//! type: `Send + Sync`, then `Send` (so the message can say "not `Sync`"), then anything.
//! The verdicts fold into the same [`NoneReported`] / [`Reported`], which the checked
//! constructors take.

use std::marker::PhantomData;

use super::field_check::{Fold, NoneReported, Reported, ThreadSafe, Uninhabited};

/// Asks whether `T` may be shared between threads.
pub struct ValueProbe<T: ?Sized>(PhantomData<fn() -> *const T>);

impl<T: ?Sized> ValueProbe<T> {
    /// Used by the expansion only.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: ?Sized> Default for ValueProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The verdict for a `T` that is not `Send + Sync`; `Missing` is [`MissingSync`] (it
/// is `Send`) or [`MissingSend`] (it is not, and may not be `Sync` either).
pub struct NotThreadSafe<T: ?Sized, Missing>(PhantomData<fn() -> (*const T, Missing)>);

/// `Missing` of a type that is `Send` but not `Sync`.
pub enum MissingSync {}

/// `Missing` of a type that is not `Send`.
pub enum MissingSend {}

/// Step 1: `Send + Sync`.
pub trait ValueIsThreadSafe {
    /// Used by the expansion only.
    fn singleton_verdict(&self) -> ThreadSafe {
        ThreadSafe
    }
}

impl<T: ?Sized + Send + Sync> ValueIsThreadSafe for &&ValueProbe<T> {}

/// Step 2: `Send` only.
pub trait ValueIsNotSync<T: ?Sized> {
    /// Used by the expansion only.
    fn singleton_verdict(&self) -> NotThreadSafe<T, MissingSync> {
        NotThreadSafe(PhantomData)
    }
}

impl<T: ?Sized + Send> ValueIsNotSync<T> for &ValueProbe<T> {}

/// Step 3: not `Send`.
pub trait ValueIsNotSend<T: ?Sized> {
    /// Used by the expansion only.
    fn singleton_verdict(&self) -> NotThreadSafe<T, MissingSend> {
        NotThreadSafe(PhantomData)
    }
}

impl<T: ?Sized> ValueIsNotSend<T> for ValueProbe<T> {}

impl<T: ?Sized, Missing> Fold<NotThreadSafe<T, Missing>> for NoneReported {
    type Out = Reported;
    fn and(self, _: NotThreadSafe<T, Missing>) -> Reported {
        Reported
    }
}

impl ThreadSafe {
    /// Used by the expansion of a `#[singleton]` fn only.
    #[must_use]
    pub fn singleton_value(self) -> Self {
        self
    }

    /// Used by the expansion of `#[guarded_global]` only.
    #[must_use]
    pub fn guarded_value(self) -> Self {
        self
    }

    /// Used by the expansion of `#[invalidating_cache]` only.
    #[must_use]
    pub fn cached_type(self) -> Self {
        self
    }
}

/// Implemented by nothing that exists: the bound that carries the message.
#[diagnostic::on_unimplemented(
    message = "`{T}` cannot be a singleton: it is not `Send + Sync`",
    label = "shared by every thread, so it must be `Send + Sync`",
    note = "replace `Rc` with `Arc`, `Cell`/`RefCell` with atomics or `Mutex`, raw pointers with owned or `Arc` data; or keep per-thread state in `thread_local!`"
)]
pub trait SingletonValueIsSendSync<T: ?Sized> {}

/// Implemented by nothing that exists: the bound that carries the message.
#[diagnostic::on_unimplemented(
    message = "`{T}` cannot be the value of a `#[guarded_global]`: it is not `Sync`",
    label = "every thread can `read` this value at the same time, so it must be `Sync`",
    note = "replace `Cell`/`RefCell` with plain fields (the guard already gives `write` exclusive access), `Rc` with `Arc`; or keep per-thread state in `thread_local!`"
)]
pub trait GuardedValueIsSync<T: ?Sized> {}

/// Implemented by nothing that exists: the bound that carries the message.
#[diagnostic::on_unimplemented(
    message = "`{T}` cannot be the value of a `#[guarded_global]`: it is not `Send`",
    label = "any thread can `write` (or `replace`) this value, so it must be `Send`",
    note = "replace `Rc` with `Arc`, raw pointers with owned or `Arc` data, a guard or a borrow with owned data; or keep per-thread state in `thread_local!`"
)]
pub trait GuardedValueIsSend<T: ?Sized> {}

/// Implemented by nothing that exists: the bound that carries the message.
#[diagnostic::on_unimplemented(
    message = "`{T}` cannot be cached by `#[invalidating_cache]`: every thread shares the loaded value and error, so both must be `Send + Sync`",
    label = "the loader's `Result<T, E>`: `T` and `E` must be `Send + Sync`",
    note = "use `Arc` rather than `Rc`, `Mutex` or atomics rather than `Cell`/`RefCell`, and add `+ Send + Sync` to a trait object: `Box<dyn Error + Send + Sync>`"
)]
pub trait CachedTypeIsSendSync<T: ?Sized> {}

#[diagnostic::do_not_recommend]
impl<T: ?Sized> SingletonValueIsSendSync<T> for Uninhabited {}
#[diagnostic::do_not_recommend]
impl<T: ?Sized> GuardedValueIsSync<T> for Uninhabited {}
#[diagnostic::do_not_recommend]
impl<T: ?Sized> GuardedValueIsSend<T> for Uninhabited {}
#[diagnostic::do_not_recommend]
impl<T: ?Sized> CachedTypeIsSendSync<T> for Uninhabited {}

impl<T: ?Sized, Missing> NotThreadSafe<T, Missing> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn singleton_value(self) -> Self
    where
        Self: SingletonValueIsSendSync<T>,
    {
        self
    }

    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn cached_type(self) -> Self
    where
        Self: CachedTypeIsSendSync<T>,
    {
        self
    }
}

impl<T: ?Sized> NotThreadSafe<T, MissingSync> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn guarded_value(self) -> Self
    where
        Self: GuardedValueIsSync<T>,
    {
        self
    }
}

impl<T: ?Sized> NotThreadSafe<T, MissingSend> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn guarded_value(self) -> Self
    where
        Self: GuardedValueIsSend<T>,
    {
        self
    }
}

#[cfg(all(test, not(singleton_loom)))]
#[allow(
    clippy::needless_borrow,
    reason = "autoref specialisation: each `&` is a step of the probe, as in the expansion"
)]
mod tests {
    use std::cell::Cell;
    use std::path::Path;
    use std::rc::Rc;

    use super::*;
    use crate::__private::{guarded_global_checked, new_cache_checked};
    use crate::test_support::type_base_name as verdict;

    /// The full type name of a value's type.
    fn type_of<V>(_: &V) -> &'static str {
        std::any::type_name::<V>()
    }

    #[test]
    fn a_type_is_thread_safe_not_sync_or_not_send() {
        let fine = (&&&ValueProbe::<Vec<u8>>::new()).singleton_verdict();
        assert_eq!(verdict(fine), "ThreadSafe");
        let cell = (&&&ValueProbe::<Cell<u8>>::new()).singleton_verdict();
        assert_eq!(
            type_of(&cell),
            std::any::type_name::<NotThreadSafe<Cell<u8>, MissingSync>>()
        );
        let rc = (&&&ValueProbe::<Rc<u8>>::new()).singleton_verdict();
        assert_eq!(
            type_of(&rc),
            std::any::type_name::<NotThreadSafe<Rc<u8>, MissingSend>>()
        );
        let pointer = (&&&ValueProbe::<*const u8>::new()).singleton_verdict();
        assert_eq!(
            type_of(&pointer),
            std::any::type_name::<NotThreadSafe<*const u8, MissingSend>>()
        );
    }

    #[test]
    #[should_panic(expected = "not `Send + Sync` (reported at compile time)")]
    fn a_reported_verdict_never_builds_a_guarded_global() {
        let types = || Reported;
        let _ = guarded_global_checked::<Rc<u32>, _, _>("unsound", || Rc::new(1), &types);
    }

    #[allow(clippy::unnecessary_wraps, reason = "a loader's signature")]
    fn load(_: &Path) -> Result<Rc<u32>, ()> {
        Ok(Rc::new(1))
    }

    #[test]
    #[should_panic(expected = "not `Send + Sync` (reported at compile time)")]
    fn a_reported_verdict_never_builds_a_cache() {
        let types = || Reported;
        let _ = new_cache_checked::<Rc<u32>, (), _, _>(
            "unsound",
            || "x".into(),
            load,
            None,
            None,
            &types,
        );
    }
}
