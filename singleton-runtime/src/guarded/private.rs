//! What `#[guarded_global]` expands to names, through
//! `::singleton_runtime::__private`: the constructor whose bounds say why a value
//! type must be `Send + Sync`.

pub use super::GuardedGlobal;
use crate::__private::Verdict;

/// The constructor `#[guarded_global]` expands to: [`GuardedGlobal::new`] with the
/// `Send + Sync` requirement spelled as traits whose messages say why.
#[cfg(not(singleton_loom))]
pub const fn guarded_global<T: GuardedSend + GuardedSync>(
    name: &'static str,
    init: fn() -> T,
) -> GuardedGlobal<T> {
    GuardedGlobal::new(name, init)
}

/// Checks that the value of a guarded global may be shared between threads, with
/// a message that says why it must be.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `#[guarded_global]`: it is not `Sync`",
    label = "every thread can `read` this value at the same time, so it must be `Sync`",
    note = "replace `Cell`/`RefCell` with plain fields (the guard already gives `write` exclusive access), `Rc` with `Arc`; or keep per-thread state in `thread_local!`"
)]
pub trait GuardedSync: Sync {}

impl<T: ?Sized + Sync> GuardedSync for T {}

/// Checks that the value of a guarded global may move between threads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `#[guarded_global]`: it is not `Send`",
    label = "any thread can `write` (or `replace`) this value, so it must be `Send`",
    note = "replace `Rc` with `Arc`, raw pointers with owned or `Arc` data; or keep per-thread state in `thread_local!`"
)]
pub trait GuardedSend: Send {}

impl<T: ?Sized + Send> GuardedSend for T {}

/// [`GuardedGlobal::new`] after the value check (`value_check`): `values` is the (never
/// called) closure that runs it, whose output type is the verdict. Never builds a
/// global of a type that is not `Send + Sync`: a reported verdict panics first.
#[cfg(not(singleton_loom))]
pub const fn guarded_global_checked<T, V: Verdict<T>, C: FnOnce() -> V>(
    name: &'static str,
    init: fn() -> T,
    values: &C,
) -> GuardedGlobal<T> {
    let _ = values;
    assert!(
        !V::REPORTED,
        "the value of this guarded global is not `Send + Sync` (reported at compile time)"
    );
    // `V` is `NoneReported`, whose impl requires `T: Send + Sync`.
    GuardedGlobal::unbounded(name, init)
}
