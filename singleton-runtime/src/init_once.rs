//! [`InitOnce`]: a body that runs once per process; every later call is an error that
//! says where the first call was.

use std::fmt;
use std::panic::Location;

use crate::sync::{self, Mutex, ThreadId, current_thread_id};

/// A "call only once" guard: the runtime type behind `#[init_once]`.
///
/// [`call`](Self::call) runs its closure if no call has run yet, and otherwise returns
/// [`AlreadyInitialized`], which names the guard and the source location of the call
/// that ran. A call that arrives while another thread's call is running does not wait:
/// it gets the error at once, marked [`in_progress`](AlreadyInitialized::in_progress),
/// so a body that hands work to a thread which calls the same fn, or a cycle with a
/// singleton's initialiser, cannot deadlock. A panicking body leaves the guard
/// uninitialised: a later call runs.
///
/// # Examples
///
/// ```
/// use singleton_runtime::InitOnce;
///
/// static DETERMINISM: InitOnce = InitOnce::new("set_global_determinism");
///
/// assert_eq!(DETERMINISM.call_here(|| 42), Ok(42));
/// let err = DETERMINISM.call_here(|| 43).unwrap_err();
/// assert_eq!(err.name(), "set_global_determinism");
/// assert!(err.to_string().contains("already initialised by the call at"));
/// ```
pub struct InitOnce {
    name: &'static str,
    state: Mutex<State>,
}

#[derive(Clone, Copy)]
enum State {
    Uninit,
    /// The thread running the body, and where it was called.
    Running(ThreadId, &'static Location<'static>),
    Done(&'static Location<'static>),
}

impl InitOnce {
    /// A guard that has not run; `name` is what errors call it (usually the fn name).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    ///
    /// static SETUP: InitOnce = InitOnce::new("setup");
    /// assert!(!SETUP.is_done());
    /// ```
    #[cfg(not(loom))]
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Mutex::new(State::Uninit),
        }
    }

    /// Loom's locks cannot be built in a `const fn`.
    #[cfg(loom)]
    #[must_use]
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Mutex::new(State::Uninit),
        }
    }

    /// The name given to [`new`](Self::new).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether a call has succeeded.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    ///
    /// static SETUP: InitOnce = InitOnce::new("setup");
    /// SETUP.call_here(|| ()).unwrap();
    /// assert!(SETUP.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        self.first_call().is_some()
    }

    /// Where the first successful call was made, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    ///
    /// static SETUP: InitOnce = InitOnce::new("setup");
    /// assert!(SETUP.first_call().is_none());
    /// SETUP.call_here(|| ()).unwrap();
    /// assert_eq!(SETUP.first_call().unwrap().file(), file!());
    /// ```
    pub fn first_call(&self) -> Option<&'static Location<'static>> {
        match *sync::lock(&self.state) {
            State::Done(location) => Some(location),
            State::Uninit | State::Running(..) => None,
        }
    }

    /// Runs `body` if no call has run yet, recording `caller` as the location of the
    /// call. `#[init_once]` passes its caller's location.
    ///
    /// # Errors
    ///
    /// [`AlreadyInitialized`] if a call has already run, or is running on another thread
    /// right now (then [`in_progress`](AlreadyInitialized::in_progress) is true; this
    /// call does not wait for it).
    ///
    /// # Panics
    ///
    /// If `body` panics, the panic propagates and the guard stays uninitialised. If
    /// `body` calls this same guard (recursion on one thread), panics at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    /// use std::panic::Location;
    ///
    /// static SETUP: InitOnce = InitOnce::new("setup");
    /// let here = Location::caller();
    /// SETUP.call(here, || ()).unwrap();
    /// assert_eq!(SETUP.call(here, || ()).unwrap_err().first_call(), here);
    /// ```
    pub fn call<T>(
        &self,
        caller: &'static Location<'static>,
        body: impl FnOnce() -> T,
    ) -> Result<T, AlreadyInitialized> {
        let me = current_thread_id();
        let mut state = sync::lock(&self.state);
        let refused = |first_call, in_progress| AlreadyInitialized {
            name: self.name,
            first_call,
            in_progress,
        };
        match *state {
            State::Done(first_call) => return Err(refused(first_call, false)),
            State::Running(owner, _) if owner == me => {
                drop(state);
                panic!(
                    "`{}` was called again from inside its own #[init_once] body; it runs \
                     once, so the inner call can never succeed: remove the recursive call",
                    self.name
                );
            }
            State::Running(_, running) => return Err(refused(running, true)),
            State::Uninit => *state = State::Running(me, caller),
        }
        drop(state);

        let running = Running {
            once: self,
            done: None,
        };
        let value = body();
        running.finish(caller);
        Ok(value)
    }

    /// Makes the next call run the body again, as if none had run (the `testing`
    /// feature; see [`crate::testing`]). Global: every thread sees it.
    ///
    /// # Panics
    ///
    /// If the body is running right now (on any thread): a reset cannot take back a
    /// run that has not finished.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    ///
    /// static SETUP: InitOnce = InitOnce::new("setup");
    /// SETUP.call_here(|| ()).unwrap();
    /// SETUP.reset();
    /// assert_eq!(SETUP.call_here(|| "ran again"), Ok("ran again"));
    /// ```
    pub fn reset(&self)
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        let mut state = sync::lock(&self.state);
        if let State::Running(..) = *state {
            drop(state);
            panic!(
                "`{}` cannot be reset while its #[init_once] body runs",
                self.name
            );
        }
        *state = State::Uninit;
    }

    /// [`call`](Self::call) with the location of the caller of `call_here`.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    ///
    /// static SETUP: InitOnce = InitOnce::new("setup");
    /// assert!(SETUP.call_here(|| ()).is_ok());
    /// assert!(SETUP.call_here(|| ()).is_err());
    /// ```
    #[track_caller]
    pub fn call_here<T>(&self, body: impl FnOnce() -> T) -> Result<T, AlreadyInitialized> {
        self.call(Location::caller(), body)
    }
}

/// Ends a running call: as done on success, back to uninitialised if the body panics.
struct Running<'a> {
    once: &'a InitOnce,
    done: Option<&'static Location<'static>>,
}

impl Running<'_> {
    fn finish(mut self, caller: &'static Location<'static>) {
        self.done = Some(caller);
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *sync::lock(&self.once.state) = self.done.map_or(State::Uninit, State::Done);
    }
}

impl fmt::Debug for InitOnce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InitOnce")
            .field("name", &self.name)
            .field("first_call", &self.first_call())
            .finish_non_exhaustive()
    }
}

/// A second call to an `#[init_once]` fn (or [`InitOnce`]): it names the fn and the
/// source location of the call that ran it (or, while that call is still running on
/// another thread, of the running call: see [`in_progress`](Self::in_progress)).
///
/// # Examples
///
/// ```
/// use singleton_runtime::{init_once, AlreadyInitialized};
///
/// #[init_once]
/// fn set_global_determinism(seed: u64) -> u64 {
///     seed
/// }
///
/// assert_eq!(set_global_determinism(42), Ok(42));
/// let err: AlreadyInitialized = set_global_determinism(7).unwrap_err();
/// assert_eq!(err.name(), "set_global_determinism");
/// assert_eq!(err.first_call().file(), file!());
/// println!("{err}");
/// // `set_global_determinism` was already initialised by the call at src/main.rs:10:12; it runs once per process
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlreadyInitialized {
    name: &'static str,
    first_call: &'static Location<'static>,
    in_progress: bool,
}

impl AlreadyInitialized {
    /// The name of the fn (or [`InitOnce`]) that was called again.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where the call that ran the body was made.
    pub fn first_call(&self) -> &'static Location<'static> {
        self.first_call
    }

    /// Whether that call was still running (on another thread) when this one arrived.
    /// If it then panics, the guard is left uninitialised and a later call runs.
    pub fn in_progress(&self) -> bool {
        self.in_progress
    }
}

impl fmt::Display for AlreadyInitialized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.in_progress {
            write!(
                f,
                "`{}` is being initialised by the call at {}, still running on another \
                 thread; it runs once per process",
                self.name, self.first_call
            )
        } else {
            write!(
                f,
                "`{}` was already initialised by the call at {}; it runs once per process",
                self.name, self.first_call
            )
        }
    }
}

impl std::error::Error for AlreadyInitialized {}

/// What `#[init_once]` expands to names these.
pub(crate) mod private {
    pub use super::{AlreadyInitialized, InitOnce};

    /// The `#[init_once(reset = ..)]` fns, by id: the reset fn cannot name its fn's
    /// static (both may be associated fns), so the fn registers it on each call.
    #[cfg(any(test, feature = "testing"))]
    static REGISTERED: std::sync::Mutex<Vec<(&'static str, &'static InitOnce)>> =
        std::sync::Mutex::new(Vec::new());

    /// Records `once` under `id` (with the `testing` feature; otherwise nothing) and
    /// returns it.
    #[inline]
    pub fn register_init_once(id: &'static str, once: &'static InitOnce) -> &'static InitOnce {
        #[cfg(any(test, feature = "testing"))]
        {
            let mut registered = REGISTERED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !registered.iter().any(|(known, _)| *known == id) {
                registered.push((id, once));
            }
        }
        let _ = id;
        once
    }

    /// Resets the `InitOnce` registered under `id`; one never called is not done.
    #[allow(
        clippy::extra_unused_lifetimes,
        reason = "the bound is the feature check"
    )]
    pub fn reset_init_once(id: &'static str)
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        #[cfg(any(test, feature = "testing"))]
        {
            let registered = REGISTERED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let once = registered
                .iter()
                .find(|(known, _)| *known == id)
                .map(|e| e.1);
            drop(registered);
            if let Some(once) = once {
                once.reset();
            }
        }
        let _ = id;
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::InitOnce;
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use std::panic::Location;

    /// Two threads race: the body runs once, exactly one call is `Ok`, and the other
    /// names the winner's location.
    #[test]
    fn loom_init_once_race() {
        loom::model(|| {
            let once = Arc::new(InitOnce::new("race"));
            let runs = Arc::new(AtomicUsize::new(0));
            let spawn = |once: Arc<InitOnce>, runs: Arc<AtomicUsize>| {
                loom::thread::spawn(move || {
                    once.call(Location::caller(), || runs.fetch_add(1, Ordering::Relaxed))
                        .is_ok()
                })
            };
            let a = spawn(once.clone(), runs.clone());
            let b = spawn(once.clone(), runs.clone());
            let oks = [a.join().unwrap(), b.join().unwrap()]
                .iter()
                .filter(|ok| **ok)
                .count();
            assert_eq!(oks, 1);
            assert_eq!(runs.load(Ordering::Relaxed), 1);
            assert!(once.is_done());
        });
    }

    /// A panicking body leaves it uninitialised; a concurrent caller is refused while
    /// it runs (never waits), and runs itself if it comes after the panic.
    #[test]
    fn loom_init_once_panic_then_other_runs() {
        loom::model(|| {
            let once = Arc::new(InitOnce::new("panics"));
            let o = once.clone();
            let a = loom::thread::spawn(move || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    o.call(Location::caller(), || panic!("first body fails"))
                }))
                .is_err()
            });
            let b = once.call(Location::caller(), || 2);
            a.join().unwrap();
            match b {
                // `b` ran: before `a` (which then got `Err` without running), or after
                // `a` panicked.
                Ok(v) => {
                    assert_eq!(v, 2);
                    assert!(once.is_done());
                }
                // `a` was running: `b` was refused at once, then `a` panicked.
                Err(e) => {
                    assert!(e.in_progress());
                    assert!(!once.is_done());
                }
            }
        });
    }
}
