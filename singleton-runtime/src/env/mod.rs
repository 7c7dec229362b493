//! Process environment variables without races.
//!
//! PLACEHOLDER
mod lock;
mod read;
mod scoped;
mod startup;

pub use read::{EnvVarError, var, var_opt, var_or};
pub use scoped::{var_os_locked, with_var, with_var_unset, with_vars};
pub use startup::{NotSingleThreaded, set_before_threads};

use std::ffi::OsStr;

/// Panics, before anything is changed, on a name or value the platform cannot store
/// (which `std::env::set_var` would reject with a panic half-way through a list, or
/// while restoring).
fn check_all<K: AsRef<OsStr>, V: AsRef<OsStr>>(vars: &[(K, Option<V>)]) {
    for (name, value) in vars {
        let name = name.as_ref();
        let bytes = name.as_encoded_bytes();
        assert!(
            !bytes.is_empty() && !bytes.contains(&b'=') && !bytes.contains(&0),
            "environment variable name {name:?} is empty or contains `=` or NUL"
        );
        if let Some(value) = value {
            let value = value.as_ref();
            assert!(
                !value.as_encoded_bytes().contains(&0),
                "the value {value:?} of environment variable {name:?} contains NUL"
            );
        }
    }
}

/// Sets (`Some`) or removes (`None`) one variable.
///
/// # Safety
///
/// As [`std::env::set_var`]: no other thread may access the environment other than
/// through `std::env` meanwhile. `name` and `value` passed [`check_all`].
unsafe fn apply(name: &OsStr, value: Option<&OsStr>) {
    match value {
        // SAFETY: forwarded to our caller.
        Some(value) => unsafe { std::env::set_var(name, value) },
        // SAFETY: forwarded to our caller.
        None => unsafe { std::env::remove_var(name) },
    }
}
