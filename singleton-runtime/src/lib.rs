#![doc = include_str!("../../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod sync;

mod cache;
mod guarded;
mod init_once;
mod singleton;

pub use cache::*;
pub use guarded::*;
pub use init_once::{AlreadyInitialized, InitOnce};
pub use singleton::Singleton;

pub use singleton_macros::{guarded_global, init_once, invalidating_cache, singleton};

/// What generated code names, through `::singleton_runtime::__private::...`. Not
/// public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::cache::private::*;
    pub use crate::guarded::private::*;
    pub use crate::init_once::private::*;
    pub use crate::singleton::private::*;
}
