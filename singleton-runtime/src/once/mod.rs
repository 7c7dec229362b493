//! The one "build once" machine behind `#[singleton]`, `#[init_once]` and (through the
//! wait-for graph) the cache's single flight.
//!
//! - `claim`: decides, without sleeping, what a caller of a not-yet-built value does:
//!   read it, build it, wait for the thread building it, or stop because waiting would
//!   close a cycle. An enum result, so that a blocking, an async or a thread-scoped
//!   front-end can each act on it in their own way.
//! - `blocking`: the front-end for callers that may block a thread (a condvar).
//! - `async_`: the front-end for async initialisers: claims held by a run of the
//!   initialiser rather than a thread, waits registered by futures.

pub(crate) mod async_;
pub(crate) mod blocking;
pub(crate) mod claim;

#[cfg(all(test, singleton_loom))]
mod loom_tests;
#[cfg(all(test, not(singleton_loom)))]
mod tests;
