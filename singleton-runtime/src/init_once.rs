//! Placeholder: being written.
pub struct InitOnce;
pub struct AlreadyInitialized;
#[doc(hidden)]
pub mod private {}
