//! Process environment variables without races.
//!
//! # Environment variables
//!
//! The seeds (Python post-mortems) had three environment bugs:
//!
//! - **TS-006, TS-007** (`blas_threads(n)`, `temp_environ()`): a scoped override set
//!   `OMP_NUM_THREADS` for the length of a block and restored it afterwards; thread A
//!   set 12, thread B set 4, and A's restore undid B's setting while B was still inside
//!   its block.
//! - **TS-008** (`set_global_determinism`): set `PYTHONHASHSEED` and `OMP_NUM_THREADS`
//!   at start-up, from whatever thread called it, as often as it was called.
//!
//! A lock around the changes (the Python fix, and what `temp-env`, `env-lock` and
//! `serial_test` do behind safe functions) orders only the code that takes it. On Unix,
//! C code reads the environment without any lock (`getaddrinfo`, `localtime_r`, C
//! libraries), so changing it while another thread runs is undefined behaviour
//! (rust-lang/rust#27970 has a segfault using only std), and that is why
//! [`std::env::set_var`] is `unsafe` in Rust 2024. This module offers the sound paths
//! first, and the unsound one as an honest `unsafe fn`:
//!
//! | you need | use | what it guarantees |
//! |---|---|---|
//! | a setting that comes from the environment (thread counts, seeds, ports) | **read once**: a `#[singleton]` fn that parses it with [`var_or`] / [`var`] / [`var_opt`]; tests override that value, not the environment: `blas_threads::override_with(4, \|\| ..)` or `let _g = blas_threads::override_guard(4);` (the `testing` feature, see [`crate::testing`]) | the environment is never changed; the variable is read and checked once; a bad value is an error naming the variable and the value; an override is seen by its own thread only, so parallel tests each see their own value |
//! | variables that code you do not control reads itself (a C library, every child process), set at start-up (TS-008) | [`set_before_threads`] at the top of `main`, with `#[init_once]` to make a second call an error | sound: changes the environment only after checking that the process has exactly one thread, else [`NotSingleThreaded`] and nothing changed |
//! | one child process with other variables | [`std::process::Command::env`] | sound: changes only the child's environment |
//! | a test that must change the real environment (TS-006/TS-007's scoped override) | `unsafe` [`with_vars`] / [`with_var`] / [`with_var_unset`], read with [`var_os_locked`] | scopes on different threads run one at a time, nest on one thread, restore in LIFO order on return and on panic, byte for byte; sound only under its `# Safety` conditions |
//!
//! In that order of preference: read once unless something outside your Rust code must
//! see the variable; set at start-up if it must; `with_vars` only in tests that cannot
//! avoid the real environment, in a test binary whose threads use nothing but
//! `std::env` and this module while a scope is open.
//!
//! # Examples
//!
//! The seeds' `blas_threads`, read once (no environment change at all):
//!
//! ```
//! use singleton_runtime::env::{self, EnvVarError};
//! use singleton_runtime::singleton;
//!
//! /// Threads for the BLAS pool: `OMP_NUM_THREADS`, 1 if unset; an error that names the
//! /// variable and the value if it is set to something that is not a number.
//! #[singleton]
//! pub fn blas_threads() -> Result<usize, EnvVarError> {
//!     env::var_or("OMP_NUM_THREADS", 1)
//! }
//!
//! fn pool_size() -> Result<usize, EnvVarError> {
//!     Ok(*blas_threads()?) // `&'static usize`: read once, by the first caller
//! }
//!
//! // In a test (with `singleton-runtime = { .., features = ["testing"] }` in
//! // `[dev-dependencies]`): this thread's own value, whatever the environment says and
//! // whatever tests on other threads override; `OMP_NUM_THREADS` is neither read nor set.
//! blas_threads::override_with(4, || {
//!     assert_eq!(pool_size().unwrap(), 4);
//! });
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         let _twelve = blas_threads::override_guard(12); // until dropped
//!         assert_eq!(pool_size().unwrap(), 12);
//!     });
//!     s.spawn(|| {
//!         let _two = blas_threads::override_guard(2);
//!         assert_eq!(pool_size().unwrap(), 2);
//!     });
//! });
//! ```
//!
//! A scope cannot be opened without `unsafe`; rustc says so:
//!
//! ```compile_fail,E0133
//! singleton_runtime::env::with_var("OMP_NUM_THREADS", Some("4"), || ()); // error[E0133]
//! ```
mod lock;
mod read;
mod scoped;
mod startup;

pub use read::{EnvVarError, var, var_opt, var_or};
pub use scoped::{var_os_locked, with_var, with_var_unset, with_vars};
pub use startup::{NotSingleThreaded, set_before_threads};

use std::ffi::OsStr;

/// The names and values of `vars`, each `as_ref` called exactly once, here: the
/// callers change the environment only from this list, so no user code (an `AsRef`
/// impl may do anything, e.g. start a thread or answer differently the next time) runs
/// between the checks and the changes.
///
/// Panics, before anything is changed, on a name or value the platform cannot store
/// (which `std::env::set_var` would reject with a panic half-way through a list, or
/// while restoring).
#[allow(
    clippy::unnecessary_debug_formatting,
    reason = "`Debug` quotes names and values and shows NUL and bytes that are not UTF-8"
)]
fn checked<K: AsRef<OsStr>, V: AsRef<OsStr>>(
    vars: &[(K, Option<V>)],
) -> Vec<(&OsStr, Option<&OsStr>)> {
    let vars: Vec<(&OsStr, Option<&OsStr>)> = vars
        .iter()
        .map(|(name, value)| (name.as_ref(), value.as_ref().map(AsRef::as_ref)))
        .collect();
    for &(name, value) in &vars {
        let bytes = name.as_encoded_bytes();
        assert!(
            !bytes.is_empty() && !bytes.contains(&b'=') && !bytes.contains(&0),
            "environment variable name {name:?} is empty or contains `=` or NUL"
        );
        if let Some(value) = value {
            assert!(
                !value.as_encoded_bytes().contains(&0),
                "the value {value:?} of environment variable {name:?} contains NUL"
            );
        }
    }
    vars
}

/// Sets (`Some`) or removes (`None`) one variable.
///
/// # Safety
///
/// As [`std::env::set_var`]: no other thread may access the environment other than
/// through `std::env` meanwhile. `name` and `value` passed [`checked`].
unsafe fn apply(name: &OsStr, value: Option<&OsStr>) {
    match value {
        // SAFETY: forwarded to our caller.
        // singleton-audit: allow(the one place `singleton_runtime::env` changes the environment, behind its checks)
        Some(value) => unsafe { std::env::set_var(name, value) },
        // SAFETY: forwarded to our caller.
        // singleton-audit: allow(the one place `singleton_runtime::env` changes the environment, behind its checks)
        None => unsafe { std::env::remove_var(name) },
    }
}
