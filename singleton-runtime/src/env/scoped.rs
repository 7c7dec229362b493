//! Scoped changes of the real environment, for tests that cannot avoid them: one
//! process-wide reentrant lock, restore in LIFO order on return and on panic.

use std::ffi::{OsStr, OsString};

use super::lock::{ReentrantGuard, ReentrantLock};

#[cfg(not(singleton_loom))]
static ENV_LOCK: ReentrantLock = ReentrantLock::new();
#[cfg(singleton_loom)]
loom::lazy_static! {
    static ref ENV_LOCK: ReentrantLock = ReentrantLock::new();
}

/// Sets (`Some`) or removes (`None`) the variables, in order, runs `f`, and puts every
/// one of them back as it was — byte for byte, removing those that did not exist — in
/// the reverse order, when `f` returns or panics. The whole call holds one process-wide
/// reentrant lock, so scopes on different threads run one after the other, a scope
/// nested in a scope on the same thread works, and no scope observes another thread's
/// values through [`var_os_locked`].
///
/// One limit of "byte for byte": a process started by a raw `execve` can hold the same
/// name twice in its environment; `getenv` sees the first, removing it removes both,
/// and the restore can put back only the first (seen: `DUP=1 DUP=2` became `DUP=1`).
///
/// Only closures: there is no `async` variant, because a lock held across `.await`
/// would let other tasks on the same thread enter the scope (the lock is reentrant per
/// thread) and see or undo its values, the flaw of `temp-env`'s `async_with_vars`. In
/// async tests, read settings once into a `#[singleton]` and override that, or run the
/// code under test in a child process with `std::process::Command::env`. A closure
/// that returns a future (`|| async { .. }`) compiles, but the future runs after the
/// scope has ended, without its values.
///
/// The lock is part of the crate's wait-for graph, with singletons, `#[init_once]`
/// fns, guarded globals and caches: a wait that would close a cycle panics naming it
/// instead of hanging — e.g. a scope that waits for a `#[singleton]` whose initialiser
/// another thread is running, while that initialiser calls [`var_os_locked`], or a
/// scope that writes a `#[guarded_global]` another thread holds while it opens a scope.
/// Waits the graph cannot see (joining a thread, a channel) still hang, as with any
/// lock. Open scopes outermost (before taking guarded globals), and let initialisers
/// read with [`var`](super::var) / [`var_or`](super::var_or), which do not take the lock.
///
/// # Safety
///
/// This changes the process's real environment, which is only sound while no other
/// thread accesses it in a way that does not take the standard library's environment
/// lock. The standard library states it for [`std::env::set_var`]: it is "safe to call in a
/// single-threaded program" and "always safe to call on Windows", but otherwise the
/// caller must ensure that no other thread reads or writes the environment "through
/// functions or global variables other than the ones in this module" (`std::env`),
/// and "the only safe option is to not use `set_var` or `remove_var` in multi-threaded
/// programs at all", since it is not documented which library functions read it.
///
/// So, for as long as the call runs, the caller must guarantee (on platforms other
/// than Windows) that **no other thread reads or writes the environment except
/// through `std::env` or this module** — no C code at all: not `getenv`, and not the
/// many C functions that read the environment themselves, e.g. `getaddrinfo` (so also
/// `std::net::ToSocketAddrs` and DNS lookups in any library), `localtime_r` and other
/// time-zone code (`TZ`), `setlocale`/gettext, and any C library (OpenSSL, BLAS, ...).
/// In practice that is a test binary whose other threads use only `std::env` and this
/// module while a scope is open. The lock does not make this sound by itself: it
/// orders only the callers that take it.
///
/// The values are restored only as seen through this module: a thread that reads with
/// [`std::env::var`] instead of [`var_os_locked`] may see a scope's values (soundly, but
/// that is the race the lock is for), and a variable the closure changes that is not
/// in `vars` stays changed.
///
/// # Panics
///
/// Before changing anything, if a name is empty or contains `=` or NUL, or a value
/// contains NUL. A panic in `f` is passed on after the variables are restored.
///
/// # Examples
///
/// ```
/// use singleton_runtime::env;
///
/// let seen = unsafe {
///     // SAFETY: this doctest has no other thread.
///     env::with_vars(&[("OMP_NUM_THREADS", Some("4")), ("MKL_NUM_THREADS", None)], || {
///         (env::var_os_locked("OMP_NUM_THREADS"), env::var_os_locked("MKL_NUM_THREADS"))
///     })
/// };
/// assert_eq!(seen, (Some("4".into()), None));
/// ```
#[track_caller]
pub unsafe fn with_vars<K, V, R>(vars: &[(K, Option<V>)], f: impl FnOnce() -> R) -> R
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let vars = super::checked(vars);
    let mut scope = Scope {
        saved: Vec::with_capacity(vars.len()),
        _held: ENV_LOCK.lock(),
    };
    for (name, value) in vars {
        let before = std::env::var_os(name);
        // SAFETY: forwarded to our caller (see `# Safety`); names and values were
        // checked by `checked`.
        unsafe { super::apply(name, value) };
        scope.saved.push((name.to_owned(), before));
    }
    f()
    // `scope` is dropped here or while unwinding: restore, then release the lock.
}

/// [`with_vars`] for one variable: `Some(value)` sets it, `None` removes it.
///
/// # Safety
///
/// As for [`with_vars`].
///
/// # Examples
///
/// ```
/// use singleton_runtime::env;
///
/// let before = std::env::var_os("PYTHONHASHSEED");
/// // SAFETY: this doctest has no other thread.
/// let seed = unsafe { env::with_var("PYTHONHASHSEED", Some("0"), || env::var::<u64>("PYTHONHASHSEED")) };
/// assert_eq!(seed.unwrap(), 0);
/// assert_eq!(std::env::var_os("PYTHONHASHSEED"), before); // restored
/// ```
#[track_caller]
pub unsafe fn with_var<K, V, R>(name: K, value: Option<V>, f: impl FnOnce() -> R) -> R
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    // SAFETY: forwarded to our caller.
    unsafe { with_vars(&[(name, value)], f) }
}

/// [`with_vars`] removing one variable for the length of `f`.
///
/// # Safety
///
/// As for [`with_vars`].
///
/// # Examples
///
/// ```
/// use singleton_runtime::env;
///
/// // SAFETY: this doctest has no other thread.
/// let path = unsafe { env::with_var_unset("PATH", || env::var_os_locked("PATH")) };
/// assert_eq!(path, None);
/// ```
#[track_caller]
pub unsafe fn with_var_unset<K, R>(name: K, f: impl FnOnce() -> R) -> R
where
    K: AsRef<OsStr>,
{
    // SAFETY: forwarded to our caller.
    unsafe { with_vars(&[(name, None::<&OsStr>)], f) }
}

/// Reads a variable while holding the [`with_vars`] lock: never in the middle of another
/// thread's scope, so a thread in its own scope sees its own values, and any other
/// thread sees the values of no scope. Inside a scope on this thread it does not wait;
/// otherwise it waits while another thread's scope is open (see [`with_vars`] for the
/// deadlocks that can make).
///
/// # Examples
///
/// ```
/// use singleton_runtime::env;
///
/// assert_eq!(env::var_os_locked("SINGLETON_DOC_NEVER_SET"), None);
/// ```
#[track_caller]
pub fn var_os_locked(name: impl AsRef<OsStr>) -> Option<OsString> {
    let _held = ENV_LOCK.lock();
    std::env::var_os(name)
}

/// The variables a scope changed, with their values before, restored in reverse order
/// on drop; then the lock is released (fields drop after `drop` runs).
struct Scope<'a> {
    saved: Vec<(OsString, Option<OsString>)>,
    _held: ReentrantGuard<'a>,
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        while let Some((name, before)) = self.saved.pop() {
            // SAFETY: the scope's caller guaranteed the conditions of `with_vars`, which
            // hold until it returns, and this runs before it returns (or unwinds out).
            // The name passed `checked`; the old value came from the environment, so
            // it holds no NUL.
            unsafe { super::apply(&name, before.as_deref()) };
        }
    }
}

/// The scope mechanics in-process (so that Miri checks them too). The stress test and
/// the cross-thread cases run in child processes: `tests/tests/environment.rs`.
#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::{var_os_locked, with_var_unset, with_vars};
    use std::ffi::OsString;

    /// Used by this test only.
    const A: &str = "SINGLETON_UNIT_SCOPED_A";
    const B: &str = "SINGLETON_UNIT_SCOPED_B";

    #[cfg(unix)]
    fn not_utf8() -> OsString {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(b"x\xffy".to_vec())
    }
    #[cfg(not(unix))]
    fn not_utf8() -> OsString {
        OsString::from("xy")
    }

    #[test]
    fn nested_and_panicking_scopes_restore_byte_for_byte() {
        // Nested scopes take the lock again: if that ever waited, fail, not hang.
        crate::test_support::within_timeout(|| {
            assert_eq!((var_os_locked(A), var_os_locked(B)), (None, None));
            // SAFETY: the other threads of this unit-test binary touch the environment only
            // through `std::env` (temp_dir, RUST_BACKTRACE) and run no C code that reads it,
            // and no other test uses these names.
            unsafe {
                with_vars(&[(A, Some(not_utf8())), (B, Some("outer".into()))], || {
                    let panicked = std::panic::catch_unwind(|| {
                        with_vars(&[(B, Some("first")), (B, Some("second"))], || {
                            assert_eq!(var_os_locked(B), Some("second".into()));
                            with_var_unset(A, || assert_eq!(var_os_locked(A), None));
                            assert_eq!(var_os_locked(A), Some(not_utf8()));
                            panic!("planned");
                        });
                    });
                    assert!(panicked.is_err());
                    assert_eq!(var_os_locked(B), Some("outer".into()));
                    assert_eq!(var_os_locked(A), Some(not_utf8()));
                });
            }
            assert_eq!((var_os_locked(A), var_os_locked(B)), (None, None));
        });
    }
}
