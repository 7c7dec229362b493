//! Setting variables at start-up, behind a check that the process has one thread.

use std::ffi::OsStr;
use std::fmt;

/// [`set_before_threads`] refused: the process had more than one thread, or its threads
/// could not be counted.
///
/// # Examples
///
/// ```
/// use singleton_runtime::env::{self, NotSingleThreaded};
///
/// let (stop, stopped) = std::sync::mpsc::channel::<()>();
/// let worker = std::thread::spawn(move || stopped.recv()); // alive until `stop` drops
/// let refused: NotSingleThreaded =
///     env::set_before_threads(&[("OMP_NUM_THREADS", Some("1"))]).unwrap_err();
/// # #[cfg(any(target_os = "linux", target_os = "android"))]
/// assert!(refused.threads() >= Some(2));
/// assert!(refused.to_string().contains("call it at the top of `main`"));
/// drop(stop);
/// worker.join().unwrap().unwrap_err();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSingleThreaded {
    seen: Seen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Threads(usize),
    /// Why the threads could not be counted.
    Unknown(String),
}

impl NotSingleThreaded {
    /// How many threads the process had; `None` if they could not be counted (no
    /// `/proc`, or a platform where counting is not implemented).
    ///
    /// # Examples
    ///
    /// See [`NotSingleThreaded`].
    pub fn threads(&self) -> Option<usize> {
        match self.seen {
            Seen::Threads(n) => Some(n),
            Seen::Unknown(_) => None,
        }
    }
}

impl fmt::Display for NotSingleThreaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("environment variables not set: ")?;
        match &self.seen {
            Seen::Threads(n) => write!(f, "this process has {n} threads")?,
            Seen::Unknown(why) => write!(f, "could not count this process's threads ({why})")?,
        }
        f.write_str(
            ", and changing the environment is only sound while there is exactly one (C code \
             on another thread may read it at any moment); call it at the top of `main`, \
             before spawning threads or starting an async runtime, or pass the variables to \
             a child process with `std::process::Command::env`",
        )
    }
}

impl std::error::Error for NotSingleThreaded {}

/// Sets (`Some`) or removes (`None`) environment variables, in order, after checking
/// that this process has exactly one thread; otherwise changes nothing and returns
/// [`NotSingleThreaded`].
///
/// The check makes the change sound: with one thread nothing else can be reading the
/// environment, and the only thread that could start another is the one doing the
/// change. It is the start-up answer to settings such as `PYTHONHASHSEED` or
/// `OMP_NUM_THREADS` that must be in the environment for code that reads them itself
/// (a C library, a child process that inherits them). Pair it with `#[init_once]` to
/// make a second call an error too.
///
/// How threads are counted: on Linux and Android, the `Threads:` line of
/// `/proc/self/status` (no `/proc`: refused). On Windows changing the environment is
/// always sound (the standard library says so), so it is not checked. Elsewhere
/// counting is not implemented and the call is refused; set the variables with
/// `unsafe { std::env::set_var(..) }` at the top of `main`, where you can see that no
/// thread exists yet.
///
/// # Errors
///
/// [`NotSingleThreaded`] with the number of threads seen, or why they could not be
/// counted; nothing has been changed then.
///
/// # Panics
///
/// Before changing anything, if a name is empty or contains `=` or NUL, or a value
/// contains NUL (the names and values the platform cannot store).
///
/// # Examples
///
/// At the top of `main` (a doctest is a process of its own, so this one is the only
/// thread):
///
/// ```
/// use singleton_runtime::{env, init_once};
///
/// /// The seeds' `set_global_determinism`: once, at start-up, before any thread.
/// #[init_once]
/// fn set_global_determinism(seed: u64, threads: usize) -> Result<(), env::NotSingleThreaded> {
///     env::set_before_threads(&[
///         ("PYTHONHASHSEED", Some(seed.to_string())),
///         ("OMP_NUM_THREADS", Some(threads.to_string())),
///         ("MKL_NUM_THREADS", None), // removed
///     ])
/// }
///
/// # #[cfg(any(target_os = "linux", target_os = "android", windows))] {
/// set_global_determinism(42, 1).expect("one thread, and the first call");
/// assert_eq!(std::env::var("PYTHONHASHSEED").as_deref(), Ok("42"));
/// assert!(set_global_determinism(7, 8).is_err()); // a second call is refused
/// # }
/// ```
pub fn set_before_threads<K, V>(vars: &[(K, Option<V>)]) -> Result<(), NotSingleThreaded>
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let vars = super::checked(vars);
    if !cfg!(windows) {
        match count_threads() {
            Ok(1) => {}
            Ok(n) => {
                return Err(NotSingleThreaded {
                    seen: Seen::Threads(n),
                });
            }
            Err(why) => {
                return Err(NotSingleThreaded {
                    seen: Seen::Unknown(why),
                });
            }
        }
    }
    for (name, value) in vars {
        // SAFETY: on Windows changing the environment is always sound (std's docs of
        // `set_var`). Elsewhere `count_threads` just saw exactly one thread, this one,
        // and no other can start before this loop ends: threads are only started by
        // running threads, and this one runs only this loop over the names and values
        // `checked` took out of `vars` before the count (no user code, such as an
        // `AsRef` impl that starts a thread, runs after it). So no other thread can
        // read or write the environment meanwhile, which is what `set_var` and
        // `remove_var` require. Names and values were checked by `checked`.
        unsafe { super::apply(name, value) };
    }
    Ok(())
}

/// The number of threads of this process.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn count_threads() -> Result<usize, String> {
    const STATUS: &str = "/proc/self/status";
    let status = std::fs::read_to_string(STATUS).map_err(|e| format!("reading {STATUS}: {e}"))?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .ok_or_else(|| format!("no `Threads:` line in {STATUS}"))?;
    line.trim()
        .parse()
        .map_err(|e| format!("`Threads:{line}` in {STATUS}: {e}"))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn count_threads() -> Result<usize, String> {
    Err("counting threads is not implemented on this platform".to_owned())
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::{NotSingleThreaded, Seen, set_before_threads};

    #[test]
    fn messages_say_what_was_seen_and_what_to_do() {
        let counted = NotSingleThreaded {
            seen: Seen::Threads(3),
        };
        assert_eq!(counted.threads(), Some(3));
        let text = counted.to_string();
        assert!(
            text.starts_with("environment variables not set: this process has 3 threads, "),
            "{text}"
        );
        assert!(
            text.contains("call it at the top of `main`, before spawning threads"),
            "{text}"
        );
        assert!(text.contains("`std::process::Command::env`"), "{text}");
        let unknown = NotSingleThreaded {
            seen: Seen::Unknown("no /proc".into()),
        };
        assert_eq!(unknown.threads(), None);
        assert!(
            unknown
                .to_string()
                .contains("could not count this process's threads (no /proc)")
        );
    }

    /// A unit-test binary always has several threads (the harness's main thread and
    /// this test's), and this test starts one more: refused, nothing changed. The
    /// successful path needs a process with one thread: `tests/tests/environment`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[cfg_attr(
        miri,
        ignore = "Miri reads the /proc of the interpreter, not of the program"
    )]
    #[test]
    fn refuses_with_more_than_one_thread_and_changes_nothing() {
        let name = "SINGLETON_UNIT_SET_BEFORE_THREADS";
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let worker = std::thread::spawn(move || stopped.recv()); // alive until `stop` drops
        let err = set_before_threads(&[(name, Some("1"))]).unwrap_err();
        drop(stop);
        worker.join().unwrap().unwrap_err();
        assert!(err.threads().is_some_and(|n| n >= 3), "{err}");
        assert_eq!(std::env::var_os(name), None);
    }
}
