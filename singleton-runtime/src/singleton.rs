//! Placeholder: being written.
pub struct Singleton<T>(std::sync::OnceLock<T>);
#[doc(hidden)]
pub mod private {}
