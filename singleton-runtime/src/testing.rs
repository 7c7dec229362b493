//! Testing with globals: per-test overrides, and resets.
//!
//! `cargo test` runs tests on threads of one process, so a global is shared state
//! between tests. Two tools, both behind this crate's `testing` feature, which belongs
//! in `[dev-dependencies]` so that release builds never have it:
//!
//! ```toml
//! [dev-dependencies]
//! singleton-runtime = { version = "0.1", features = ["testing"] }
//! ```
//!
//! # Overrides: isolation between tests
//!
//! An override puts a value of the test's choosing in place of a global, **for the
//! current thread only**, for the extent of a closure (`override_with(value, || ...)`)
//! or of a guard (`override_guard(value)`). Every access from that thread sees the
//! override; other threads (other tests) see the real global, or their own override.
//! Tests that override the same global run in parallel without seeing each other.
//!
//! | macro | override |
//! |---|---|
//! | `#[singleton] struct Config` | `Config::override_instance(value, \|\| ...)`, `Config::override_instance_guard(value)` (named after `instance()`, so that the type's own `reset` or `override_with` methods never clash) |
//! | `#[singleton] fn config() -> T` | `config::override_with(value, \|\| ...)`, `config::override_guard(value)` |
//! | `#[guarded_global] static NAME: T` | `NAME.override_with(value, \|\| ...)`, `NAME.override_guard(value)` |
//! | `#[invalidating_cache] fn name` | `name::override_with(value, \|\| ...)`, `name::override_guard(value)` |
//! | `#[singleton(scope = thread)]` | `name::override_with`, `name::override_guard` (a [`ThreadOverrideGuard`]); `Type::override_instance`, `Type::override_instance_guard`: this thread's instance is replaced (see below) |
//!
//! - Nested overrides restore in reverse order, also when the closure panics. A guard
//!   is `!Send` and restores when dropped; dropping an outer guard while an inner one
//!   is alive panics (use `override_with`, which nests by construction).
//! - A singleton's `instance()` returns `&'static`, which may outlive the override: an
//!   overridden singleton value is never freed (it is leaked, like a reset's old
//!   generation). Guarded globals and caches free theirs when the override ends.
//! - A guarded global's override is a guarded global of its own: `read` and `write`
//!   reach it with the usual locking and checks; a `write` changes the override, never
//!   the real global.
//! - A cache's override is what `name()` (and `cache().peek()`) return; the cache
//!   itself does not load, and `reload`, `invalidate` and the statistics keep working
//!   on the real cache.
//! - A thread-scoped singleton's override lives in the singleton's own per-thread slot:
//!   it replaces this thread's instance (no `Send` needed, the initialiser does not run)
//!   and is never carried to another thread, also not by [`Overrides::capture`]. A
//!   reset inside a `with` closure of the same singleton panics (the closure borrows
//!   the instance). `for_each` visits the threads' real instances, never an override
//!   (an override is one test's value for its own thread); a thread pool
//!   shared by tests keeps its threads' instances from one test to the next, and a
//!   `reset` reaches only the calling thread.
//! - **Spawned threads do not inherit overrides** (a thread pool shared by tests would
//!   otherwise leak one test's values into another). Carry them over explicitly:
//!   [`Overrides::capture`] on the test's thread, [`Overrides::scope`] or
//!   [`Overrides::enter`] on the new one.
//!
//! # Resets: starting from scratch
//!
//! `reset()` makes the next access initialise again, **for every thread**: it is the
//! tool for "run this test from a fresh start", not for isolation (a reset in one test
//! is seen by every test running beside it).
//!
//! | macro | reset |
//! |---|---|
//! | `#[singleton]` | `Config::reset_instance()`, `config::reset()`: the next `instance()` / `config()` runs the initialiser |
//! | `#[guarded_global]` | `NAME.reset()`: replaces the value with a fresh one from the initialiser under the write lock, and clears poison |
//! | `#[invalidating_cache]` | `name::reset()`: forgets the value and the errors; the next call loads as the first did |
//! | `#[singleton(scope = thread)]` | `name::reset()`, `Type::reset_instance()`: drops **this thread's** instance (each thread has its own); the next access on this thread builds it again |
//! | `#[init_once(state = SETUP)]` | `SETUP.reset()` ([`InitOnceState::reset`](crate::InitOnceState::reset); `SETUP` is generated beside the fn, an associated const beside an associated fn), or `reset_setup()` with `#[init_once(reset = reset_setup)]`; [`InitOnce::reset`](crate::InitOnce::reset) by hand: the next call runs the body |
//!
//! A reset cannot leave a reference dangling: every `&'static` a singleton handed out
//! stays valid and keeps showing its old value (old generations are never freed). A
//! reset under concurrent access is atomic: a reader gets the old or the new value,
//! never a half-built one, and each generation's initialiser succeeds once. A reset
//! waits for an initialiser, load or access running on another thread.
//!
//! # Without the feature
//!
//! The fast paths contain no override check at all, and every override or reset
//! method is a compile error at the call site that says to enable the feature:
//!
//! ```text
//! error[E0277]: overrides and resets are test tools: enable the `testing` feature of `singleton-runtime`
//! ```
//!
//! With the feature and no override active anywhere in the process, a fast path pays
//! one relaxed load of a process-wide count (the technique of tracing's dispatcher);
//! while some thread has an override, the others also look in a thread-local list
//! (and find nothing).
//!
//! # Example: two tests, one singleton, two values
//!
//! ```
//! use singleton_runtime::singleton;
//!
//! #[singleton]
//! #[derive(Debug, PartialEq)]
//! struct Config {
//!     retries: u32,
//! }
//!
//! impl Default for Config {
//!     fn default() -> Self {
//!         Config { retries: 3 }
//!     }
//! }
//!
//! fn retries() -> u32 {
//!     Config::instance().retries // the code under test
//! }
//!
//! // #[test]
//! fn no_retries() {
//!     Config::override_instance(Config { retries: 0 }, || {
//!         assert_eq!(retries(), 0);
//!     });
//! }
//!
//! // #[test]
//! fn many_retries() {
//!     let _config = Config::override_instance_guard(Config { retries: 10 });
//!     assert_eq!(retries(), 10);
//! }
//!
//! // The test harness runs tests on threads of one process, in parallel:
//! std::thread::scope(|s| {
//!     for _ in 0..4 {
//!         s.spawn(no_retries);
//!         s.spawn(many_retries);
//!     }
//! });
//! assert_eq!(retries(), 3, "the real instance, untouched");
//! ```

pub use crate::overrides::{OverrideGuard, Overrides};
pub use crate::thread_scope::testing::ThreadOverrideGuard;

/// The `testing` feature, as a type: [`FeatureEnabled`] is implemented for it only
/// when the feature is on. Every override and reset method requires it, so calling
/// one without the feature fails to compile with a message naming the feature.
#[derive(Debug)]
pub enum Feature {}

/// Implemented for [`Feature`] only when this crate's `testing` feature is on.
#[diagnostic::on_unimplemented(
    message = "overrides and resets are test tools: enable the `testing` feature of `singleton-runtime`",
    label = "needs the `testing` feature of `singleton-runtime`",
    note = "in Cargo.toml: `[dev-dependencies] singleton-runtime = {{ version = \"...\", features = [\"testing\"] }}` (tests only; without it the globals' fast paths contain no override check)"
)]
pub trait FeatureEnabled {}

#[cfg(any(test, feature = "testing"))]
impl FeatureEnabled for Feature {}
