//! What `#[guarded_global]` expands to names, through
//! `::singleton_runtime::__private`: the constructor after the check that says why a
//! value type must be `Send + Sync` (`singleton::value_check`).

pub use super::GuardedGlobal;
#[cfg(not(singleton_loom))]
use crate::__private::Verdict;

/// The constructor `#[guarded_global]` expands to: [`GuardedGlobal::new`] after the
/// value check (`value_check`): `values` is the (never called) closure that runs it,
/// whose output type is the verdict (see `singleton::field_check::unreported`).
#[cfg(not(singleton_loom))]
pub const fn guarded_global_checked<T, V: Verdict<T>, C: FnOnce() -> V>(
    name: &'static str,
    init: fn() -> T,
    values: &C,
) -> GuardedGlobal<T> {
    crate::singleton::unreported(values);
    GuardedGlobal::unbounded(name, init)
}
