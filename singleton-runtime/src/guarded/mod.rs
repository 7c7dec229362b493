//! Guarded values: a value behind a reader-writer lock, reachable only through
//! closures, with reentrant reads, writes that panic instead of deadlocking, lock-order
//! checking, poisoning and timeouts. Two front-ends over one implementation:
//!
//! - `field`: [`Guarded<T>`], a guarded value as a struct field (counted readers,
//!   a few words).
//! - `global`: [`GuardedGlobal<T>`], a global that builds its guarded value on first
//!   access (through the crate's one build-once claim) and whose reads scale across
//!   cores (biased per-thread reader slots).
//!
//! Underneath, shared by both:
//!
//! - `core`: the guarded value (lock, value, name, lock-order id, poison) and every
//!   access method, written once.
//! - `access`: taking and releasing it (fast paths, poison), with guards that never
//!   leave this crate.
//! - `raw`: the reader-writer lock protocol and its state bits; the reader-slot schemes
//!   as strategies (`raw/biased.rs`, `raw/counted.rs`); the asymmetric fences.
//! - `held`: per-thread frames (held values for reentrancy, the reader slot, what a
//!   waiting thread holds for the wait-for graph).
//! - `order`: lock-order cycle detection, one graph for globals and fields.
//! - `error`: [`LockTimeout`], names, and the panic messages.
//! - `testing`: overrides and resets of a global; `private`: what the macro names.

// The fast paths (link a frame, take the lock, release both) must inline into `read`
// and `write` at the call site: left to the inliner, they were not in the bench crate,
// which tripled the cost of an uncontended write (benches/compare/guarded.rs).
#![allow(
    clippy::inline_always,
    reason = "measured: the fast paths must inline at the call site"
)]

mod access;
mod core;
mod error;
mod field;
mod global;
mod held;
mod order;
mod raw;
mod testing;

#[cfg(all(test, singleton_loom))]
mod loom_tests;
#[cfg(all(test, not(singleton_loom)))]
mod tests;

pub use error::LockTimeout;
pub use field::Guarded;
pub use global::GuardedGlobal;
pub(crate) use held::wait_context;

/// What `#[guarded_global]` expands to names these.
pub(crate) mod private;
