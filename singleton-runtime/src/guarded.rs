//! Placeholder until its issue lands.

#[doc(hidden)]
pub mod private {}
