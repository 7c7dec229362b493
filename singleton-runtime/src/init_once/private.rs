//! What `#[init_once]` expands to names these (through `::singleton_runtime::__private`).
//! Hidden; the errors are those of the `InitOnce` methods they forward to.
#![allow(
    clippy::missing_errors_doc,
    reason = "hidden: as the InitOnce methods they forward to"
)]

use std::panic::Location;

use crate::once::claim::Then;

#[cfg(not(singleton_loom))]
pub use super::state::{InitOnceState, by_id as init_once_by_id, state as init_once_state};
pub use super::{AlreadyInitialized, InitOnce, InitOnceError};

/// What a fallible `#[init_once]` body returns: a `Result`, seen through any alias
/// (`io::Result<T>`), so that the expansion can name its error type without knowing it.
#[diagnostic::on_unimplemented(
    message = "`#[init_once]` reads a return type named `Result` as `core::result::Result`, and `{Self}` is not one",
    label = "a fallible `#[init_once]` body returns `core::result::Result<T, E>`",
    note = "return `core::result::Result<T, E>` (or an alias of it), or give the type another name"
)]
pub trait Fallible {
    /// `T` of `Result<T, E>`.
    type Value;
    /// `E` of `Result<T, E>`.
    type Error;
    /// The `Result` itself.
    fn into_result(self) -> Result<Self::Value, Self::Error>;
}

impl<T, E> Fallible for Result<T, E> {
    type Value = T;
    type Error = E;
    #[inline]
    fn into_result(self) -> Result<T, E> {
        self
    }
}

/// `#[init_once]` on a body returning `R: Fallible`: an `Err` is not the one run. With
/// `wait`, a call that arrives while the body runs elsewhere waits for it; otherwise it
/// is refused at once.
#[track_caller]
#[inline]
pub fn call_fallible<R: Fallible>(
    once: &InitOnce,
    caller: &'static Location<'static>,
    wait: bool,
    body: impl FnOnce() -> R,
) -> Result<R::Value, InitOnceError<R::Error>> {
    let then = if wait { Then::Wait } else { Then::Refuse };
    once.run(caller, then, || body().into_result())
}

/// `#[init_once]` on a body returning `T`.
#[track_caller]
#[inline]
pub fn call<T>(
    once: &InitOnce,
    caller: &'static Location<'static>,
    wait: bool,
    body: impl FnOnce() -> T,
) -> Result<T, AlreadyInitialized> {
    if wait {
        once.call_or_wait(caller, body)
    } else {
        once.call(caller, body)
    }
}

/// The fn `#[init_once(reset = name)]` generates: resets the guard registered under `id`.
#[allow(
    clippy::extra_unused_lifetimes,
    reason = "the bound is the feature check"
)]
#[cfg(not(singleton_loom))]
#[track_caller]
pub fn reset_init_once(id: &'static str, name: &'static str)
where
    for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
{
    init_once_by_id(id, name).reset();
}
