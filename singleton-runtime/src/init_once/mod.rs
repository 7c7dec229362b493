//! [`InitOnce`]: a body that runs once per process; every later call is an error that
//! says where the first call was.

use std::fmt;
use std::panic::Location;

use std::convert::Infallible;

use crate::once::blocking;
use crate::once::claim::{self, Claim, ClaimGuard, Then};
use crate::sync::{
    AtomicBool, Mutex,
    Ordering::{Acquire, Release},
    loom_const_fn,
};
use crate::waits::{Kind, Resource};

mod error;

pub use error::{AlreadyInitialized, InitOnceError};

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
    /// Set (release) with `State::Done`, before the claim is released: what `wait`
    /// and `is_done` read without the state lock.
    done: AtomicBool,
}

/// Where the body ran (or runs). Which thread runs it is the claim's business: the
/// crate's one build-once claim (`crate::once::claim`), keyed by this guard's address.
#[derive(Clone, Copy)]
enum State {
    Uninit,
    /// Where the running call was made.
    Running(&'static Location<'static>),
    Done(&'static Location<'static>),
}

impl InitOnce {
    loom_const_fn! {
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
    #[must_use]
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Mutex::new(State::Uninit),
            done: AtomicBool::new(false),
        }
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
        self.done.load(Acquire)
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
        match *self.state.lock() {
            State::Done(location) => Some(location),
            State::Uninit | State::Running(..) => None,
        }
    }

    /// Runs `body` if no call has run yet, recording `caller` as the location of the
    /// call. `#[init_once]` passes its caller's location. Never waits: see
    /// [`call_or_wait`](Self::call_or_wait) for the form that waits for a call running
    /// on another thread.
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
    #[track_caller]
    pub fn call<T>(
        &self,
        caller: &'static Location<'static>,
        body: impl FnOnce() -> T,
    ) -> Result<T, AlreadyInitialized> {
        self.run(caller, Then::Refuse, || Ok::<T, Infallible>(body()))
            .map_err(InitOnceError::into_already)
    }

    /// Like [`call`](Self::call), but a call that arrives while the body runs on
    /// another thread waits for it (as `std::sync::Once` does): when it returns, the
    /// body has run. It then gets [`AlreadyInitialized`], or runs the body itself if
    /// the running call panicked.
    ///
    /// Waiting joins the crate's wait-for graph: if the running body waits (directly
    /// or through singletons, guarded globals, caches or other `#[init_once]` fns) for
    /// this thread, this call panics naming the cycle instead of deadlocking. A body
    /// that spawns and joins a thread calling the same fn is invisible to the graph,
    /// as with `Once`: that thread prints a report after a while (see "Deadlocks we
    /// cannot see" on [`Singleton`](crate::Singleton)); use [`call`](Self::call) there.
    ///
    /// # Errors
    ///
    /// [`AlreadyInitialized`] if a call has run (before, or while this one waited).
    ///
    /// # Panics
    ///
    /// As [`call`](Self::call), and with the cycle if waiting would close one.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::Duration;
    ///
    /// static SEEDING: InitOnce = InitOnce::new("seed");
    /// static RUNS: AtomicUsize = AtomicUsize::new(0);
    ///
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| {
    ///             let _ = SEEDING.call_or_wait(std::panic::Location::caller(), || {
    ///                 std::thread::sleep(Duration::from_millis(20));
    ///                 RUNS.fetch_add(1, Ordering::SeqCst);
    ///             });
    ///             // Whoever ran it, it has run by now.
    ///             assert!(SEEDING.is_done());
    ///         });
    ///     }
    /// });
    /// assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    /// ```
    #[track_caller]
    pub fn call_or_wait<T>(
        &self,
        caller: &'static Location<'static>,
        body: impl FnOnce() -> T,
    ) -> Result<T, AlreadyInitialized> {
        self.run(caller, Then::Wait, || Ok::<T, Infallible>(body()))
            .map_err(InitOnceError::into_already)
    }

    /// [`call_or_wait`](Self::call_or_wait) for a fallible body: an `Err` is not the
    /// one run. The guard stays uninitialised (the next call runs the body again) and
    /// this caller gets the error, in one layer that `?` propagates.
    ///
    /// # Errors
    ///
    /// [`InitOnceError::Failed`] with the body's error, or
    /// [`InitOnceError::AlreadyInitialized`] if a call has succeeded.
    ///
    /// # Panics
    ///
    /// As [`call_or_wait`](Self::call_or_wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::{InitOnce, InitOnceError};
    /// use std::panic::Location;
    ///
    /// static LOGGING: InitOnce = InitOnce::new("setup_logging");
    /// let here = Location::caller();
    ///
    /// let failed = LOGGING.call_fallible(here, || "x".parse::<u8>());
    /// assert!(matches!(failed, Err(InitOnceError::Failed(_))));
    /// assert!(!LOGGING.is_done(), "an Err is not the one run");
    ///
    /// assert_eq!(LOGGING.call_fallible(here, || "7".parse::<u8>()), Ok(7));
    /// assert!(matches!(
    ///     LOGGING.call_fallible(here, || "8".parse::<u8>()),
    ///     Err(InitOnceError::AlreadyInitialized(_))
    /// ));
    /// ```
    #[track_caller]
    pub fn call_fallible<T, E>(
        &self,
        caller: &'static Location<'static>,
        body: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, InitOnceError<E>> {
        self.run(caller, Then::Wait, body)
    }

    /// Blocks until a call has succeeded, without calling: for workers that must not
    /// start before setup. Returns at once if it has.
    ///
    /// # Panics
    ///
    /// If a body is running and waiting for it would close a cycle (see
    /// [`call_or_wait`](Self::call_or_wait)).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InitOnce;
    ///
    /// static SETUP: InitOnce = InitOnce::new("setup");
    ///
    /// std::thread::scope(|s| {
    ///     let worker = s.spawn(|| {
    ///         SETUP.wait();
    ///         SETUP.is_done()
    ///     });
    ///     SETUP.call_here(|| ()).unwrap();
    ///     assert!(worker.join().unwrap());
    /// });
    /// ```
    #[track_caller]
    pub fn wait(&self) {
        let resource = self.resource();
        loop {
            match claim::watch(resource.clone(), || self.done.load(Acquire)) {
                Claim::Ready => return,
                Claim::Wait(pending) => blocking::block(pending),
                Claim::Cycle(cycle) => panic!("{cycle}"),
                Claim::Owner(_) | Claim::Busy => unreachable!("watching never claims"),
            }
        }
    }

    fn resource(&self) -> Resource {
        Resource::named(std::ptr::from_ref(self).addr(), Kind::InitOnce, self.name)
    }

    /// The one path behind every call: decide with the claim, then run the body, refuse,
    /// wait and decide again, or report the cycle.
    #[track_caller]
    fn run<T, E>(
        &self,
        caller: &'static Location<'static>,
        then: Then,
        body: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, InitOnceError<E>> {
        let refused = |first_call, in_progress| {
            InitOnceError::AlreadyInitialized(AlreadyInitialized {
                name: self.name,
                first_call,
                in_progress,
            })
        };
        let guard = loop {
            // The state lock is held across the claim (the graph's lock nests inside it,
            // never the other way round), so the claim's holder and `Running` agree.
            let mut state = self.state.lock();
            let running_at = match *state {
                State::Done(first_call) => return Err(refused(first_call, false)),
                State::Running(at) => Some(at),
                State::Uninit => None,
            };
            match claim::claim(self.resource(), || false, then) {
                Claim::Owner(guard) => {
                    *state = State::Running(caller);
                    break guard;
                }
                Claim::Busy => return Err(refused(running_at.unwrap_or(caller), true)),
                Claim::Wait(pending) => {
                    drop(state);
                    blocking::block(pending);
                }
                Claim::Cycle(cycle) => {
                    drop(state);
                    assert!(
                        !cycle.is_reentrant(),
                        "`{}` was called again from inside its own #[init_once] body; it runs \
                         once, so the inner call can never succeed: remove the recursive call",
                        self.name
                    );
                    panic!("{cycle}");
                }
                Claim::Ready => unreachable!("never ready: `Done` is checked under the lock"),
            }
        };

        let running = Running {
            once: self,
            done: None,
            _claim: guard,
        };
        let value = body().map_err(InitOnceError::Failed)?;
        running.finish(caller);
        Ok(value)
    }

    /// Makes the next call run the body again, as if none had run (the `testing`
    /// feature; see [`crate::testing`]). Global: every thread sees it. A body running
    /// on another thread is waited for first (a reset cannot take back a run that has
    /// not finished); the wait is in the crate's wait-for graph like any other.
    ///
    /// # Panics
    ///
    /// If called from inside the body (the reset would wait for itself).
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
    #[track_caller]
    pub fn reset(&self)
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        // Holding the claim, like a running body, keeps callers out while the state
        // changes; `|| false`: claim even when done.
        let Some(claim) = blocking::claim(&self.resource(), || false) else {
            unreachable!("a claim that is never ready is owned")
        };
        *self.state.lock() = State::Uninit;
        self.done.store(false, Release);
        drop(claim);
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

/// Ends a running call: as done on success, back to uninitialised if the body panics;
/// then releases the claim (fields drop after `drop` ran).
struct Running<'a> {
    once: &'a InitOnce,
    done: Option<&'static Location<'static>>,
    _claim: ClaimGuard,
}

impl Running<'_> {
    fn finish(mut self, caller: &'static Location<'static>) {
        self.done = Some(caller);
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut state = self.once.state.lock();
        *state = self.done.map_or(State::Uninit, State::Done);
        if self.done.is_some() {
            self.once.done.store(true, Release);
        }
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

/// What `#[init_once]` expands to names these.
pub(crate) mod private {
    pub use super::{AlreadyInitialized, InitOnce, InitOnceError};

    /// The `#[init_once(reset = ..)]` fns, by id: the reset fn cannot name its fn's
    /// static (both may be associated fns), so the fn registers it on each call.
    // Not under loom: its mutex has no `const` constructor, and no model resets by id.
    #[cfg(all(any(test, feature = "testing"), not(singleton_loom)))]
    // singleton-audit: allow(the runtime's own registry of #[init_once(reset = ..)] fns: #[guarded_global] is built on this crate)
    static REGISTERED: crate::sync::Mutex<Vec<(&'static str, &'static InitOnce)>> =
        crate::sync::Mutex::new(Vec::new());

    /// Records `once` under `id` (with the `testing` feature; otherwise nothing) and
    /// returns it.
    #[inline]
    pub fn register_init_once(id: &'static str, once: &'static InitOnce) -> &'static InitOnce {
        #[cfg(all(any(test, feature = "testing"), not(singleton_loom)))]
        {
            let mut registered = REGISTERED.lock();
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
    #[track_caller]
    pub fn reset_init_once(id: &'static str)
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        #[cfg(all(any(test, feature = "testing"), not(singleton_loom)))]
        {
            let once = REGISTERED
                .lock()
                .iter()
                .find(|(known, _)| *known == id)
                .map(|e| e.1);
            if let Some(once) = once {
                once.reset();
            }
        }
        let _ = id;
    }
}

#[cfg(all(test, singleton_loom))]
mod loom_tests;
