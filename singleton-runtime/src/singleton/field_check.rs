//! The `Send + Sync` check of a `#[singleton]` struct, field by field: one error per
//! field that is not thread-safe, at the field's type, naming the type, the struct and
//! the fix — instead of rustc's pair of errors (`Send`, then `Sync`) about the struct,
//! which name neither the field nor the fix.
//!
//! A bound such as `S: Send + Sync` cannot carry the message: rustc reports the leaf
//! obligation (`Rc<..>: Send`, found inside `S`), whose trait is not ours. So the
//! expansion asks each field's type instead, by autoref-based specialisation (dtolnay's
//! "autoref-based specialization": method resolution tries `&&&probe`, then `&&probe`,
//! ...; the first impl whose bounds hold wins, and the field types are concrete since a
//! singleton struct is never generic):
//!
//! 1. the struct is `Send + Sync` (also by an `unsafe impl`): fine, whatever the field;
//! 2. the field is `Send + Sync`: fine;
//! 3. the field is an `Rc`, a `Cell`/`RefCell` or a raw pointer: a verdict naming it;
//! 4. anything else: the general verdict.
//!
//! Each verdict's `check()` is bounded on a trait that nothing implements, with the
//! message: the failing obligation is then the root one, and rustc prints our message.
//! The verdicts are folded into one type ([`NoneReported`] or [`Reported`]) that
//! [`new_singleton_checked`] takes: after a reported field it does not ask
//! `S: Send + Sync` again, so rustc's own errors do not follow ours. It never builds a
//! cell for a type that is not `Send + Sync`: [`Reported`] panics first (and a program
//! whose field check failed does not compile in the first place).

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::{self, Rc};

#[cfg(not(singleton_loom))]
use super::Singleton;
use super::private::SingletonSafe;
#[cfg(not(singleton_loom))]
use crate::async_singleton::AsyncSingleton;

/// Asks whether the field type `F` of the singleton struct `S` may be shared between
/// threads; see the module docs.
pub struct FieldProbe<S, F: ?Sized>(PhantomData<fn() -> (*const S, *const F)>);

impl<S, F: ?Sized> FieldProbe<S, F> {
    /// Used by the expansion only.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<S, F: ?Sized> Default for FieldProbe<S, F> {
    fn default() -> Self {
        Self::new()
    }
}

/// The verdict for a field that is fine (or of a struct that is `Send + Sync`).
pub struct ThreadSafe;

/// The verdicts for a field of type `F` of the singleton `S` that is not `Send + Sync`,
/// one per fix to name.
macro_rules! verdicts {
    ($($(#[$doc:meta])* $name:ident,)*) => {$(
        $(#[$doc])*
        pub struct $name<S, F: ?Sized>(PhantomData<fn() -> (*const S, *const F)>);

        impl<S, F: ?Sized> Fold<$name<S, F>> for NoneReported {
            type Out = Reported;
            fn and(self, _: $name<S, F>) -> Reported {
                Reported
            }
        }
    )*};
}

verdicts! {
    /// An `Rc` (or `rc::Weak`).
    IsRc,
    /// A `Cell` or a `RefCell`.
    IsCell,
    /// A raw pointer.
    IsPointer,
    /// Any other type that is not `Send + Sync`.
    NotSendSync,
}

/// Step 1: the struct is `Send + Sync`.
pub trait StructIsThreadSafe {
    /// Used by the expansion only.
    fn verdict(&self) -> ThreadSafe {
        ThreadSafe
    }
}

impl<S: Send + Sync, F: ?Sized> StructIsThreadSafe for &&&FieldProbe<S, F> {}

/// Step 2: the field is `Send + Sync`.
pub trait FieldIsThreadSafe {
    /// Used by the expansion only.
    fn verdict(&self) -> ThreadSafe {
        ThreadSafe
    }
}

impl<S, F: ?Sized + Send + Sync> FieldIsThreadSafe for &&FieldProbe<S, F> {}

/// Step 3: a field type whose fix is known.
pub trait KnownNotThreadSafe {
    /// The verdict.
    type Verdict;
    /// Used by the expansion only.
    fn verdict(&self) -> Self::Verdict;
}

macro_rules! known {
    ($verdict:ident: $($ty:ty),*) => {$(
        impl<S, U: ?Sized> KnownNotThreadSafe for &FieldProbe<S, $ty> {
            type Verdict = $verdict<S, $ty>;
            fn verdict(&self) -> Self::Verdict {
                $verdict(PhantomData)
            }
        }
    )*};
}

known!(IsRc: Rc<U>, rc::Weak<U>);
known!(IsCell: Cell<U>, RefCell<U>);
known!(IsPointer: *const U, *mut U);

/// Step 4: any other field.
pub trait OtherNotThreadSafe<S, F: ?Sized> {
    /// Used by the expansion only.
    fn verdict(&self) -> NotSendSync<S, F> {
        NotSendSync(PhantomData)
    }
}

impl<S, F: ?Sized> OtherNotThreadSafe<S, F> for FieldProbe<S, F> {}

impl ThreadSafe {
    /// Used by the expansion only.
    #[must_use]
    pub fn check(self) -> Self {
        self
    }
}

/// Gives each message trait an impl, for a type nobody has.
pub enum Uninhabited {}

#[diagnostic::on_unimplemented(
    message = "`{F}` cannot be a field of the singleton `{S}`: `Rc` is neither `Send` nor `Sync`",
    label = "every thread shares the singleton, so this field must be `Send + Sync`",
    note = "use `Arc` instead of `Rc`; for a value that changes, `Arc<Guarded<T>>` or \
            `Guarded<T>` (closure access under a lock)"
)]
/// Implemented by nothing that exists: the bound that carries the message.
pub trait RcFieldOfSingleton<S, F: ?Sized> {}

#[diagnostic::do_not_recommend]
impl<S, F: ?Sized> RcFieldOfSingleton<S, F> for Uninhabited {}

impl<S, F: ?Sized> IsRc<S, F> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn check(self) -> Self
    where
        Self: RcFieldOfSingleton<S, F>,
    {
        self
    }
}

#[diagnostic::on_unimplemented(
    message = "`{F}` cannot be a field of the singleton `{S}`: it is not `Sync`",
    label = "every thread shares the singleton, so this field must be `Send + Sync`",
    note = "every thread can reach this field at once: for a value that changes, use \
            `Guarded<T>` (closure access under a lock) or an atomic (`AtomicU64`, \
            `AtomicBool`, ...) instead of `Cell`/`RefCell`"
)]
/// Implemented by nothing that exists: the bound that carries the message.
pub trait CellFieldOfSingleton<S, F: ?Sized> {}

#[diagnostic::do_not_recommend]
impl<S, F: ?Sized> CellFieldOfSingleton<S, F> for Uninhabited {}

impl<S, F: ?Sized> IsCell<S, F> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn check(self) -> Self
    where
        Self: CellFieldOfSingleton<S, F>,
    {
        self
    }
}

#[diagnostic::on_unimplemented(
    message = "`{F}` cannot be a field of the singleton `{S}`: raw pointers are neither `Send` nor `Sync`",
    label = "every thread shares the singleton, so this field must be `Send + Sync`",
    note = "own the data (`Box`, `Vec`) or share it with `Arc`; if the pointer is safe \
            to share, say so with an `unsafe impl` of `Send` and of `Sync` for `{S}`"
)]
/// Implemented by nothing that exists: the bound that carries the message.
pub trait PointerFieldOfSingleton<S, F: ?Sized> {}

#[diagnostic::do_not_recommend]
impl<S, F: ?Sized> PointerFieldOfSingleton<S, F> for Uninhabited {}

impl<S, F: ?Sized> IsPointer<S, F> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn check(self) -> Self
    where
        Self: PointerFieldOfSingleton<S, F>,
    {
        self
    }
}

#[diagnostic::on_unimplemented(
    message = "`{F}` cannot be a field of the singleton `{S}`: it is not `Send + Sync`",
    label = "every thread shares the singleton, so this field must be `Send + Sync`",
    note = "every thread shares the singleton: `Arc` instead of `Rc`, `Guarded<T>` or an \
            atomic instead of `Cell`/`RefCell`, owned data instead of a guard or a \
            borrow; or keep per-thread state in `thread_local!`"
)]
/// Implemented by nothing that exists: the bound that carries the message.
pub trait FieldOfSingleton<S, F: ?Sized> {}

#[diagnostic::do_not_recommend]
impl<S, F: ?Sized> FieldOfSingleton<S, F> for Uninhabited {}

impl<S, F: ?Sized> NotSendSync<S, F> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn check(self) -> Self
    where
        Self: FieldOfSingleton<S, F>,
    {
        self
    }
}

/// No field reported so far.
pub struct NoneReported;

/// A field was reported.
pub struct Reported;

/// Folds the field verdicts into [`NoneReported`] or [`Reported`].
pub trait Fold<V> {
    /// The verdict so far.
    type Out;
    /// Used by the expansion only.
    fn and(self, verdict: V) -> Self::Out;
}

impl Fold<ThreadSafe> for NoneReported {
    type Out = NoneReported;
    fn and(self, _: ThreadSafe) -> NoneReported {
        self
    }
}

impl<V> Fold<V> for Reported {
    type Out = Reported;
    fn and(self, _: V) -> Reported {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::NoneReported {}
    impl Sealed for super::Reported {}
}

/// What the struct's field verdicts allow: with none reported, the struct must be
/// `Send + Sync` (checked here, with [`SingletonSafe`]'s message); with one reported,
/// nothing more is asked, and no cell is built. Sealed: the soundness of
/// [`new_singleton_checked`] rests on these two impls.
pub trait Verdict<T>: sealed::Sealed {
    /// Whether a field was reported.
    const REPORTED: bool;
}

impl<T: SingletonSafe> Verdict<T> for NoneReported {
    const REPORTED: bool = false;
}

impl<T> Verdict<T> for Reported {
    const REPORTED: bool = true;
}

/// [`Singleton::new`] after the field checks: `fields` is the (never called) closure
/// that runs them, whose output type is the verdict.
#[cfg(not(singleton_loom))]
pub const fn new_singleton_checked<T, V: Verdict<T>, C: FnOnce() -> V>(
    name: &'static str,
    fields: &C,
) -> Singleton<T> {
    let _ = fields;
    assert!(
        !V::REPORTED,
        "a field of this singleton is not `Send + Sync` (reported at compile time)"
    );
    // `V` is `NoneReported`, whose impl requires `T: Send + Sync`.
    Singleton::unbounded(name)
}

/// [`AsyncSingleton::new`] after the field checks, as [`new_singleton_checked`].
#[cfg(not(singleton_loom))]
pub const fn new_async_singleton_checked<T, E, V: Verdict<T>, C: FnOnce() -> V>(
    name: &'static str,
    fields: &C,
) -> AsyncSingleton<T, E> {
    let _ = fields;
    assert!(
        !V::REPORTED,
        "a field of this singleton is not `Send + Sync` (reported at compile time)"
    );
    // `V` is `NoneReported`, whose impl requires `T: Send + Sync`.
    AsyncSingleton::unbounded(name)
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use std::any::type_name;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::sync::Arc;

    use super::*;

    /// The verdict's type name, without its path and parameters.
    fn verdict<V>(_: V) -> &'static str {
        let name = type_name::<V>();
        let base = name.split('<').next().unwrap_or(name);
        base.rsplit("::").next().unwrap_or(base)
    }

    struct Plain {
        _shared: Arc<String>,
    }

    struct Pointer {
        _at: *const u8,
    }

    // SAFETY: test type, never dereferenced or shared.
    unsafe impl Send for Pointer {}
    // SAFETY: as above.
    unsafe impl Sync for Pointer {}

    struct WithRc {
        _names: Rc<String>,
    }

    #[test]
    fn each_field_gets_the_verdict_that_names_its_fix() {
        let probe = FieldProbe::<Plain, Arc<String>>::new();
        assert_eq!(verdict((&&&&probe).verdict()), "ThreadSafe");
        let probe = FieldProbe::<WithRc, Rc<String>>::new();
        assert_eq!(verdict((&&&&probe).verdict()), "IsRc");
        let probe = FieldProbe::<WithRc, Cell<u8>>::new();
        assert_eq!(verdict((&&&&probe).verdict()), "IsCell");
        let probe = FieldProbe::<WithRc, *mut u8>::new();
        assert_eq!(verdict((&&&&probe).verdict()), "IsPointer");
        let probe = FieldProbe::<WithRc, Option<Rc<u8>>>::new();
        assert_eq!(verdict((&&&&probe).verdict()), "NotSendSync");
    }

    #[test]
    fn a_struct_made_shareable_by_unsafe_impls_passes_whatever_its_fields() {
        let probe = FieldProbe::<Pointer, *const u8>::new();
        assert_eq!(verdict((&&&&probe).verdict()), "ThreadSafe");
    }

    #[test]
    fn the_verdicts_fold_to_reported_once_a_field_is_not_thread_safe() {
        let fine = NoneReported.and(ThreadSafe).and(ThreadSafe);
        assert_eq!(verdict(fine), "NoneReported");
        let bad = NoneReported
            .and(ThreadSafe)
            .and(IsRc::<WithRc, Rc<String>>(PhantomData))
            .and(ThreadSafe);
        assert_eq!(verdict(bad), "Reported");
    }

    #[test]
    fn none_reported_builds_a_working_cell() {
        let fields = || NoneReported;
        let cell = new_singleton_checked::<u32, _, _>("checked", &fields);
        assert_eq!(*cell.get_or_init(|| 7), 7);
        assert_eq!(cell.name(), "checked");
    }

    #[test]
    #[should_panic(expected = "not `Send + Sync` (reported at compile time)")]
    fn a_reported_verdict_never_builds_a_cell() {
        let fields = || Reported;
        let _ = new_singleton_checked::<Rc<u32>, _, _>("unsound", &fields);
    }

    #[test]
    #[should_panic(expected = "not `Send + Sync` (reported at compile time)")]
    fn a_reported_verdict_never_builds_an_async_cell() {
        let fields = || Reported;
        let _ = new_async_singleton_checked::<Rc<u32>, (), _, _>("unsound", &fields);
    }
}
