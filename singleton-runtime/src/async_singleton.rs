//! [`AsyncSingleton<T, E>`]: a value created once, on first use, by an async initialiser.
//!
//! The value is stored in a [`Singleton<T>`] (so the fast path, the generations of
//! resets and the overrides are that type's); what this type adds is the *run* of the
//! initialiser: a boxed future kept here, not in the task that started it, so that it
//! survives that task.
//!
//! The state machine (all of it under `state`, a lock that is never held while user
//! code runs: not while the initialiser's future is polled or dropped, nor while a
//! waker is woken):
//!
//! - `Idle`: no run. A caller that finds the value missing starts one with its own
//!   initialiser and becomes its *driver*.
//! - `Parked(run)`: a run exists and nobody polls it right now. Its driver (a waiting
//!   future, by id) polls it when woken. The run is polled with a waker of its own
//!   (`RunWake`), which wakes the driver, or every waiter (one of which continues the
//!   run) if the driver polled it from inside another async initialiser (which may
//!   never be polled again).
//! - `Polling`: the driver has taken the run out and polls it without the lock.
//!
//! A driver that is dropped (its task cancelled, a timeout) gives up the role and wakes
//! the other waiters; the first of them polled becomes the driver and polls the *same*
//! future on: the initialiser never restarts because a caller went away (tokio#4496). A run that ends
//! with `Ok` publishes and wakes everybody; with `Err`, or a panic while polling, it is
//! dropped, stores nothing, and wakes everybody: the first to look again starts a new run
//! with its own initialiser.
//!
//! The graph side (cycles, names) is `crate::once::async_`: a run holds its claim as an
//! agent of its own, and a future that waits registers its wait once.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Waker;

use crate::once::async_::Run;
use crate::singleton::Singleton;
use crate::sync::{Mutex, MutexGuard, loom_const_fn};
use crate::waits::{Kind, Resource};
use drive::{Started, Step};
use run_wake::{RunWake, Wakes};

mod drive;
mod future;
mod future_check;
mod run_wake;
mod testing;

pub use future::{GetOrInit, GetOrTryInit};

/// The initialiser's future, kept in the singleton across tasks.
type InitFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

/// A lazily created, process-wide value built by an async initialiser: the runtime type
/// behind `#[singleton] async fn`. `E` is the initialiser's error type
/// ([`Infallible`] for [`get_or_init`](Self::get_or_init)).
///
/// - The initialiser runs to success **at most once**; callers that arrive meanwhile
///   wait (their wakers are registered; nobody spins or blocks a thread) and get the
///   same `&T`.
/// - **Cancellation continues**: if the task polling the initialiser is dropped, the
///   next waiter polls the same future on. In tokio#4496's scenario (100 callers with a
///   1 s timeout, a 5 s initialiser) the initialiser runs once, not six times.
/// - An `Err`, or a panic while polling, stores nothing: the next caller runs its
///   initialiser again.
/// - An initialiser that awaits its own singleton, directly or through others, panics
///   with the chain; so does a cycle of initialisers across tasks (also two tasks on one
///   thread) and across sync and async singletons.
/// - Runtime-agnostic: no executor is assumed. The initialiser's future must be
///   `Send + 'static`: it is kept in the singleton and may be continued by another task
///   on another thread.
///
/// # Examples
///
/// ```
/// use singleton_runtime::AsyncSingleton;
///
/// static GREETING: AsyncSingleton<String> = AsyncSingleton::new("GREETING");
///
/// # futures_lite_block_on(async {
/// let first: &'static String = GREETING.get_or_init(|| async { "hello".to_owned() }).await;
/// assert_eq!(first, "hello");
/// assert_eq!(GREETING.get(), Some(first));
/// # });
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// ```
pub struct AsyncSingleton<T, E = Infallible> {
    cell: Singleton<T>,
    state: Mutex<State<T, E>>,
}

/// Where the run is.
enum Init<T, E> {
    Idle,
    Parked(Running<T, E>),
    Polling,
}

/// One run: the future, and its claim in the graph.
struct Running<T, E> {
    future: InitFuture<T, E>,
    run: Run,
}

struct State<T, E> {
    init: Init<T, E>,
    /// The waiter (by id) that polls the run; `None` when no waiter is left (the next
    /// caller takes over).
    driver: Option<u64>,
    /// The run's waiters and the waker the run is polled with; `None` while `Idle`.
    wake: Option<Arc<RunWake>>,
    next_waiter: u64,
}

impl<T, E> State<T, E> {
    /// The run's waiters, if there is a run.
    fn waiters(&self) -> Option<MutexGuard<'_, Wakes>> {
        self.wake.as_ref().map(|wake| wake.0.lock())
    }

    /// Registers (or updates) the waker of the waiter `id` (a new id if `None`). The
    /// waker it replaces is returned, to be dropped without the lock (a waker's drop is
    /// user code: it may drop a task, and with it another waiter of this singleton).
    fn register(&mut self, id: &mut Option<u64>, waker: &Waker) -> (u64, Option<Waker>) {
        let wake = self.wake.get_or_insert_with(|| Arc::new(RunWake::new()));
        let mut waiters = wake.0.lock();
        if let Some(id) = *id
            && let Some((_, registered)) = waiters.list.iter_mut().find(|(w, _)| *w == id)
        {
            if registered.will_wake(waker) {
                return (id, None);
            }
            return (id, Some(std::mem::replace(registered, waker.clone())));
        }
        drop(waiters);
        let new = id.unwrap_or_else(|| {
            self.next_waiter += 1;
            self.next_waiter
        });
        *id = Some(new);
        self.waiters()
            .unwrap_or_else(|| unreachable!("inserted above"))
            .list
            .push((new, waker.clone()));
        (new, None)
    }

    /// Removes the waiter `id`; if it was the driver, gives the role up: every other
    /// waiter is woken, and the first of them polled takes the run on. Not one named
    /// heir: it may be a future nobody polls any more (one inside another run whose
    /// callers all went away, see `RunWake`). Returns the waiter's own waker (to drop
    /// without the lock) and those to wake.
    fn leave(&mut self, id: u64) -> (Option<Waker>, Vec<Waker>) {
        let Some(mut waiters) = self.waiters() else {
            return (None, Vec::new());
        };
        let own = waiters
            .list
            .iter()
            .position(|(w, _)| *w == id)
            .map(|at| waiters.list.remove(at).1);
        if self.driver != Some(id) {
            return (own, Vec::new());
        }
        let others = waiters
            .list
            .iter()
            .map(|(_, waker)| waker.clone())
            .collect();
        drop(waiters);
        self.driver = None;
        if matches!(self.init, Init::Idle) {
            return (own, Vec::new());
        }
        (own, others)
    }

    /// The run is over: everybody looks again.
    fn finish(&mut self) -> Vec<Waker> {
        self.init = Init::Idle;
        self.driver = None;
        match self.wake.take() {
            // A leaf of the spent run may still hold the run's waker: it wakes nobody.
            Some(wake) => wake
                .0
                .lock()
                .list
                .drain(..)
                .map(|(_, waker)| waker)
                .collect(),
            None => Vec::new(),
        }
    }

    /// The waiter `id`, which was to poll as `running` says, panics instead (an init
    /// cycle): it leaves, and the run goes back (if it started here, with nothing built
    /// yet, it ends). Its own waker, to drop, and those to wake, without the lock.
    fn give_up(&mut self, id: u64, running: Started<T, E>) -> (Option<Waker>, Vec<Waker>) {
        match running {
            Started::Wait => (self.forget(id), Vec::new()),
            // This caller was to drive: another waiter takes over.
            Started::Continue(run) => {
                self.init = Init::Parked(run);
                self.leave(id)
            }
            Started::New(run) => {
                drop(run);
                (self.forget(id), self.finish())
            }
        }
    }

    /// After a poll of the run that ended pending: a wake during the poll reached the
    /// waiters registered by then; if the driver may never be polled again (see
    /// `RunWake`), those registered since must hear of it too. Wakers to wake without
    /// the lock.
    fn missed_wakes(&self) -> Vec<Waker> {
        match self.waiters() {
            Some(w) if w.woken && w.nested() => {
                w.list.iter().map(|(_, waker)| waker.clone()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Removes the waiter `id`, returning its waker (to drop without the lock).
    fn forget(&mut self, id: u64) -> Option<Waker> {
        let mut waiters = self.waiters()?;
        let at = waiters.list.iter().position(|(w, _)| *w == id)?;
        Some(waiters.list.remove(at).1)
    }

    /// The number of waiting futures (tests).
    #[cfg(test)]
    fn waiter_count(&self) -> usize {
        self.waiters().map_or(0, |w| w.list.len())
    }
}

// SAFETY (auto traits, stated): `state` is `Send` whatever `T` and `E` (the future is
// boxed `dyn Future + Send`), so `Mutex<State>` is `Sync`; `cell` is `Sync` with the
// bound its constructor puts on `T` (`Send + Sync`), which `new` repeats.

impl<T: Send + Sync, E> AsyncSingleton<T, E> {
    loom_const_fn! {
    /// An empty singleton; `name` appears in cycle reports and `Debug`.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::AsyncSingleton;
    ///
    /// static POOL: AsyncSingleton<Vec<u8>, std::io::Error> = AsyncSingleton::new("POOL");
    /// assert_eq!(POOL.name(), "POOL");
    /// ```
        #[must_use]
        pub fn new(name: &'static str) -> Self {
            Self::unbounded(name)
        }
    }
}

impl<T, E> AsyncSingleton<T, E> {
    loom_const_fn! {
    /// [`new`](Self::new) without its bound, for the `field_check` constructor, which
    /// checks `T: Send + Sync` field by field.
        pub(crate) fn unbounded(name: &'static str) -> Self {
            Self {
                cell: Singleton::unbounded(name),
                state: Mutex::new(State {
                    init: Init::Idle,
                    driver: None,
                    wake: None,
                    next_waiter: 0,
                }),
            }
        }
    }
}

impl<T, E> AsyncSingleton<T, E> {
    /// The name given to [`new`](Self::new).
    pub fn name(&self) -> &'static str {
        self.cell.name()
    }

    /// The value, if an initialiser has completed: for sync code that must not wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::AsyncSingleton;
    ///
    /// static N: AsyncSingleton<u32> = AsyncSingleton::new("N");
    /// assert_eq!(N.get(), None);
    /// ```
    #[inline]
    pub fn get(&self) -> Option<&T> {
        self.cell.get()
    }

    /// The value if it is there and no override is installed on any thread: the test
    /// a poll starts with. One load more than `get` with the `testing` feature, none
    /// without; an override (and everything else) is the slow path's, so that what a
    /// poll inlines stays a load and a branch or two.
    #[inline]
    fn ready(&self) -> Option<&T> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active() {
            return None;
        }
        self.cell.current()
    }

    /// The value, running the fallible async `init` first if no initialiser has
    /// completed yet (or joining the run in progress). An `Err` is returned to the
    /// caller whose poll finished the run, and nothing is stored.
    ///
    /// # Errors
    ///
    /// The initialiser's error; the next call runs an initialiser again.
    ///
    /// # Panics
    ///
    /// If the initialiser panics while this caller polls it (nothing is stored; the
    /// others start again), or if awaiting the value would close an init cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::AsyncSingleton;
    ///
    /// static PORT: AsyncSingleton<u16, std::num::ParseIntError> = AsyncSingleton::new("PORT");
    ///
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let mut f = std::pin::pin!(f);
    /// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let failed = block_on(PORT.get_or_try_init(|| async { "x".parse::<u16>() }));
    /// assert!(failed.is_err());
    /// let port = block_on(PORT.get_or_try_init(|| async { "80".parse::<u16>() }));
    /// assert_eq!(port, Ok(&80));
    /// ```
    #[inline]
    pub fn get_or_try_init<F, Fut>(&self, init: F) -> GetOrTryInit<'_, T, E, F>
    where
        F: FnOnce() -> Fut,
        Fut: private::AsyncInit<Result<T, E>>,
    {
        GetOrTryInit::new(self, init)
    }

    fn resource(&self) -> Resource {
        // The cell's address: the key of the value in the graph, also for overrides.
        Resource::named(
            std::ptr::from_ref(&self.cell).addr(),
            Kind::Singleton,
            self.cell.name(),
        )
    }

    fn lock(&self) -> MutexGuard<'_, State<T, E>> {
        self.state.lock()
    }
}

impl<T> AsyncSingleton<T> {
    /// The value, running the async `init` first if no initialiser has completed yet
    /// (or joining the run in progress).
    ///
    /// # Panics
    ///
    /// As [`get_or_try_init`](Self::get_or_try_init).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::AsyncSingleton;
    ///
    /// static LIMIT: AsyncSingleton<u64> = AsyncSingleton::new("LIMIT");
    /// let future = LIMIT.get_or_init(|| async { 100 });
    /// # let mut future = std::pin::pin!(future);
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// # assert_eq!(future.as_mut().poll(&mut cx), std::task::Poll::Ready(&100));
    /// ```
    #[inline]
    pub fn get_or_init<F, Fut>(&self, init: F) -> GetOrInit<'_, T, F>
    where
        F: FnOnce() -> Fut,
        Fut: private::AsyncInit<T>,
    {
        GetOrInit::new(self, init)
    }
}

impl<T: fmt::Debug, E> fmt::Debug for AsyncSingleton<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::singleton::debug_cell(f, "AsyncSingleton", self.name(), self.get())
    }
}

/// What `#[singleton]`'s async forms expand to name.
pub(crate) mod private {
    pub use super::AsyncSingleton;
    pub use super::future_check::*;

    /// The future of an async singleton's initialiser, with the message that names the
    /// fix when it is not `Send`.
    #[diagnostic::on_unimplemented(
        message = "the initialiser of an async singleton must be a `Send` future: it is kept in the singleton and continued by whichever task awaits it next, on any thread",
        label = "this initialiser's future is not `Send`",
        note = "do not hold an `Rc`, a `RefCell` borrow, a `MutexGuard` or another non-`Send` value across an `.await` in the initialiser: drop it before the `.await` (end its block), or use `Arc` / `tokio::sync::Mutex`"
    )]
    pub trait AsyncInit<O>: std::future::Future<Output = O> + Send + 'static {}

    impl<O, F: std::future::Future<Output = O> + Send + 'static> AsyncInit<O> for F {}

    /// Passes an initialiser's future through the [`AsyncInit`] check. Named for what
    /// it checks: for a future, rustc reports a missing `Send` with its own message
    /// (which value is held across which `.await`) and "required by a bound in
    /// `init_future_must_be_send`", not with the trait's message.
    #[inline]
    pub fn init_future_must_be_send<O, F: AsyncInit<O>>(future: F) -> F {
        future
    }

    /// Checks that an `init = async path` function returns a future of the struct.
    #[diagnostic::on_unimplemented(
        message = "`init = async ...` must return a future of `{T}`, but this returns `{Self}`",
        label = "expected an `async fn() -> {T}` (or a fn returning `impl Future<Output = {T}>`)",
        note = "for a sync constructor remove `async`: `init = path`; for a fallible one add `error = E` and return `Result<{T}, E>` from the future"
    )]
    pub trait AsyncInitReturns<T> {
        /// The future.
        type Future: std::future::Future<Output = T>;
        /// Used by the expansion only.
        fn into_future(self) -> Self::Future;
    }

    impl<T, F: std::future::Future<Output = T>> AsyncInitReturns<T> for F {
        type Future = F;
        #[inline]
        fn into_future(self) -> F {
            self
        }
    }

    /// A fn-form async singleton's cell (see `FnSingleton`).
    pub trait FnAsyncSingleton {
        /// The stored type.
        type Value: 'static;
        /// The initialiser's error type (`Infallible` for a fn that returns `T`).
        type Error: 'static;
        /// The `static` cell.
        fn cell() -> &'static AsyncSingleton<Self::Value, Self::Error>;
    }

    /// `Result<T, E>`'s parts, named by the expansion of an async fn returning a
    /// `Result` (also through an alias such as `io::Result<T>`).
    pub trait SingletonResult {
        /// `T`.
        type Value;
        /// `E`.
        type Error;
    }

    impl<T, E> SingletonResult for Result<T, E> {
        type Value = T;
        type Error = E;
    }
}

#[cfg(all(test, singleton_loom))]
mod loom_tests;
#[cfg(all(test, not(singleton_loom)))]
mod tests;
