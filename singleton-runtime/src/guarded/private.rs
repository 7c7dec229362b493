//! What `#[guarded_global]` expands to names, through
//! `::singleton_runtime::__private`: the constructor after the check that says why a
//! value type must be `Send + Sync` (`singleton::value_check`).

pub use super::GuardedGlobal;
#[cfg(not(singleton_loom))]
use crate::__private::Verdict;

/// The constructor `#[guarded_global]` expands to: [`GuardedGlobal::new`] after the
/// value check (`value_check`): `values` is the (never called) closure that runs it,
/// whose output type is the verdict. Never builds a global of a type that is not
/// `Send + Sync`: a reported verdict panics first.
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
