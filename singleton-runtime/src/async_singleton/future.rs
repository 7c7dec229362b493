//! The futures returned by [`AsyncSingleton::get_or_init`] and
//! [`AsyncSingleton::get_or_try_init`].
//!
//! The fast path (the value is there) must cost what [`AsyncSingleton::get`] costs: a
//! load and a branch, with nothing written. So a poll starts with that load, and
//! everything else is in one `#[cold]` function that takes the future's state *by
//! value* and hands it back. The future's own memory is then never borrowed by
//! anything the compiler cannot see, and a future built and polled in one place (an
//! `.await` of an initialised singleton) is plain values, folded away: the initialiser
//! is not even created, and the drop of a future that never registered is nothing.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{AsyncSingleton, InitFuture, Step};
use crate::waits::FutureWait;

/// The future of [`AsyncSingleton::get_or_try_init`]: the value, or the error of the
/// run this future finished.
///
/// Dropping it (a cancelled task, a timeout) never cancels the initialisation: if it
/// was polling the initialiser, another waiter continues the same future.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
/// use singleton_runtime::{AsyncSingleton, GetOrTryInit};
///
/// static PORT: AsyncSingleton<u16, String> = AsyncSingleton::new("PORT");
///
/// let future: GetOrTryInit<'_, u16, String, _> = PORT.get_or_try_init(|| async { Ok(8080) });
/// let mut future = std::pin::pin!(future);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(Ok(&8080)));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct GetOrTryInit<'a, T, E, F> {
    inner: Waiter<'a, T, E, TryInit<F>>,
}

/// The future of [`AsyncSingleton::get_or_init`]: the value.
///
/// Dropping it never cancels the initialisation (see [`GetOrTryInit`]).
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
/// use singleton_runtime::{AsyncSingleton, GetOrInit};
///
/// static LIMIT: AsyncSingleton<u64> = AsyncSingleton::new("LIMIT");
///
/// let _ = LIMIT.get_or_init(|| async { 100 }); // dropped unpolled: nothing runs
/// assert_eq!(LIMIT.get(), None);
/// let future: GetOrInit<'_, u64, _> = LIMIT.get_or_init(|| async { 100 });
/// let mut future = std::pin::pin!(future);
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(&100));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct GetOrInit<'a, T, F> {
    inner: Waiter<'a, T, Infallible, OkInit<F>>,
}

/// Both futures: the singleton, and where this caller is.
struct Waiter<'a, T, E, I> {
    owner: &'a AsyncSingleton<T, E>,
    phase: Phase<I>,
}

/// Where a waiting future is. Moved into the slow path and back (see the module doc).
enum Phase<I> {
    /// Not registered: it has only ever found the value there (or not been polled).
    /// Holds the caller's initialiser, not yet called.
    Fresh(I),
    /// It found the value missing: it is among the waiters. Boxed (allocated once, on
    /// the slow path) so that a phase is a word or two: what the inlined poll moves
    /// into the slow path and back stays in registers.
    Waiting(Box<Waiting<I>>),
    /// Completed by the slow path (or, for a moment, moved out into it).
    Done,
}

/// A registered waiting future: its initialiser until it starts a run with it, its id
/// among the waiters, and its wait in the graph (if it registered one).
struct Waiting<I> {
    init: Option<I>,
    id: Option<u64>,
    wait: Option<FutureWait>,
}

/// A caller's initialiser, made into the boxed future a run keeps.
trait MakeInit<T, E> {
    fn make(self) -> InitFuture<T, E>;
}

/// `FnOnce() -> impl Future<Output = Result<T, E>>`.
struct TryInit<F>(F);

/// `FnOnce() -> impl Future<Output = T>`, as an initialiser that cannot fail.
struct OkInit<F>(F);

impl<T, E, F, Fut> MakeInit<T, E> for TryInit<F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    fn make(self) -> InitFuture<T, E> {
        Box::pin((self.0)())
    }
}

impl<T, F, Fut> MakeInit<T, Infallible> for OkInit<F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    fn make(self) -> InitFuture<T, Infallible> {
        let future = (self.0)();
        Box::pin(async move { Ok(future.await) })
    }
}

impl<'a, T, E, I: MakeInit<T, E>> Waiter<'a, T, E, I> {
    /// One poll: the value if it is there (leaving the waiters if this future had
    /// joined them), else the slow path.
    #[inline]
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<&'a T, E>> {
        if let Some(value) = self.owner.ready() {
            self.leave();
            return Poll::Ready(Ok(value));
        }
        let phase = std::mem::replace(&mut self.phase, Phase::Done);
        let (polled, phase) = poll_slow(self.owner, phase, cx);
        self.phase = phase;
        polled
    }
}

/// Everything but the fast path, on a waiter of its own: a panic in here (an init
/// cycle, the initialiser's) drops it, which leaves the waiters; the future it was
/// moved out of is left `Done`.
#[cold]
#[inline(never)]
fn poll_slow<'a, T, E, I: MakeInit<T, E>>(
    owner: &'a AsyncSingleton<T, E>,
    phase: Phase<I>,
    cx: &mut Context<'_>,
) -> (Poll<Result<&'a T, E>>, Phase<I>) {
    let mut waiter = Waiter { owner, phase };
    // An override (`ready` leaves those to this path), or a value published since.
    if let Some(value) = owner.get() {
        waiter.leave();
        let phase = std::mem::replace(&mut waiter.phase, Phase::Done);
        return (Poll::Ready(Ok(value)), phase);
    }
    if let Phase::Fresh(_) = waiter.phase
        && let Phase::Fresh(init) = std::mem::replace(&mut waiter.phase, Phase::Done)
    {
        waiter.phase = Phase::Waiting(Box::new(Waiting {
            init: Some(init),
            id: None,
            wait: None,
        }));
    }
    let Phase::Waiting(waiting) = &mut waiter.phase else {
        panic!("an `AsyncSingleton` future was polled after it completed");
    };
    let init = &mut waiting.init;
    let mut make = || init.take().map(I::make);
    match owner.poll_slow(cx, &mut waiting.id, &mut make, &mut waiting.wait) {
        Step::Pending => {
            let phase = std::mem::replace(&mut waiter.phase, Phase::Done);
            (Poll::Pending, phase)
        }
        Step::Done(result) => {
            waiter.leave();
            (Poll::Ready(result), Phase::Done)
        }
    }
}

impl<T, E, I> Waiter<'_, T, E, I> {
    /// Leaves the waiters and the graph, if this future had joined them (once). Only
    /// the check is inlined; the phase is handed to the cold part by value (see the
    /// module doc).
    #[inline]
    fn leave(&mut self) {
        if let Phase::Waiting(_) = self.phase {
            unregister(self.owner, std::mem::replace(&mut self.phase, Phase::Done));
        }
    }
}

/// The cold part of [`Waiter::leave`]: out of the waiters (handing the run on if this
/// future drove it) and out of the graph.
#[cold]
#[inline(never)]
fn unregister<T, E, I>(owner: &AsyncSingleton<T, E>, phase: Phase<I>) {
    if let Phase::Waiting(waiting) = phase {
        let Waiting { init, id, wait } = *waiting;
        if let Some(id) = id {
            owner.leave(id);
        }
        drop(wait);
        drop(init); // user code, run with no lock held
    }
}

impl<T, E, I> Drop for Waiter<'_, T, E, I> {
    #[inline]
    fn drop(&mut self) {
        self.leave();
    }
}

// Nothing is pinned in place: the initialiser is moved out by value, the rest is plain
// data.
impl<T, E, F> Unpin for GetOrTryInit<'_, T, E, F> {}
impl<T, F> Unpin for GetOrInit<'_, T, F> {}

impl<'a, T, E, F, Fut> GetOrTryInit<'a, T, E, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    #[inline]
    pub(super) fn new(owner: &'a AsyncSingleton<T, E>, init: F) -> Self {
        Self {
            inner: Waiter {
                owner,
                phase: Phase::Fresh(TryInit(init)),
            },
        }
    }
}

impl<'a, T, E, F, Fut> Future for GetOrTryInit<'a, T, E, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    type Output = Result<&'a T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().inner.poll(cx)
    }
}

impl<'a, T, F, Fut> GetOrInit<'a, T, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    #[inline]
    pub(super) fn new(owner: &'a AsyncSingleton<T>, init: F) -> Self {
        Self {
            inner: Waiter {
                owner,
                phase: Phase::Fresh(OkInit(init)),
            },
        }
    }
}

impl<'a, T, F, Fut> Future for GetOrInit<'a, T, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    type Output = &'a T;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'a T> {
        match self.get_mut().inner.poll(cx) {
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T, E, F> fmt::Debug for GetOrTryInit<'_, T, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetOrTryInit")
            .field("singleton", &self.inner.owner.name())
            .finish_non_exhaustive()
    }
}

impl<T, F> fmt::Debug for GetOrInit<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetOrInit")
            .field("singleton", &self.inner.owner.name())
            .finish_non_exhaustive()
    }
}
