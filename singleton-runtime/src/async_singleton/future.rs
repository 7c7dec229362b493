//! The futures returned by [`AsyncSingleton::get_or_init`] and
//! [`AsyncSingleton::get_or_try_init`].

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
#[must_use = "futures do nothing unless polled"]
pub struct GetOrTryInit<'a, T, E, F> {
    owner: &'a AsyncSingleton<T, E>,
    /// The value, if it was there when the future was created: looked up before the
    /// future exists, so that the compiler sees the fast path whole (an acquire load
    /// after the future's fields are written would keep it from folding them).
    ready: Option<&'a T>,
    /// This caller's initialiser, until it starts a run with it.
    init: Option<F>,
    /// Its registration, once it has found the value missing: one field, so that the
    /// fast path's drop checks one discriminant and nothing else.
    registered: Option<Registered>,
}

/// A waiting future's registration: its id among the waiters, and its wait in the
/// graph (if it registered one).
struct Registered {
    id: Option<u64>,
    wait: Option<FutureWait>,
}

// Nothing is pinned in place: `init` is moved out by value, the rest is plain data.
impl<T, E, F> Unpin for GetOrTryInit<'_, T, E, F> {}

impl<'a, T, E, F, Fut> GetOrTryInit<'a, T, E, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    pub(super) fn new(owner: &'a AsyncSingleton<T, E>, init: F) -> Self {
        Self {
            owner,
            ready: owner.get(),
            init: Some(init),
            registered: None,
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
        let this = self.get_mut();
        if let Some(value) = this.ready {
            this.finish();
            return Poll::Ready(Ok(value));
        }
        this.poll_slow(cx)
    }
}

impl<'a, T, E, F, Fut> GetOrTryInit<'a, T, E, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    #[cold]
    #[inline(never)]
    fn poll_slow(&mut self, cx: &mut Context<'_>) -> Poll<Result<&'a T, E>> {
        let init = &mut self.init;
        let mut make = || init.take().map(|f| Box::pin(f()) as InitFuture<T, E>);
        let owner: &'a AsyncSingleton<T, E> = self.owner;
        let registered = self.registered.get_or_insert(Registered {
            id: None,
            wait: None,
        });
        match owner.poll_slow(cx, &mut registered.id, &mut make, &mut registered.wait) {
            Step::Pending => Poll::Pending,
            Step::Done(result) => {
                self.finish();
                Poll::Ready(result)
            }
        }
    }
}

impl<T, E, F> GetOrTryInit<'_, T, E, F> {
    /// Leaves the waiters and the graph (once).
    #[inline]
    fn finish(&mut self) {
        if let Some(registered) = self.registered.take() {
            self.owner.unregister(registered);
        }
    }
}

impl<T, E> AsyncSingleton<T, E> {
    #[cold]
    #[inline(never)]
    fn unregister(&self, registered: Registered) {
        if let Some(id) = registered.id {
            self.leave(id);
        }
        drop(registered.wait);
    }
}

impl<T, E, F> Drop for GetOrTryInit<'_, T, E, F> {
    #[inline]
    fn drop(&mut self) {
        self.finish();
    }
}

impl<T, E, F> fmt::Debug for GetOrTryInit<'_, T, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetOrTryInit")
            .field("singleton", &self.owner.name())
            .finish_non_exhaustive()
    }
}

/// The future of [`AsyncSingleton::get_or_init`]: the value.
///
/// Dropping it never cancels the initialisation (see [`GetOrTryInit`]).
#[must_use = "futures do nothing unless polled"]
pub struct GetOrInit<'a, T, F> {
    inner: GetOrTryInit<'a, T, Infallible, OkInit<F>>,
}

/// `FnOnce() -> impl Future<Output = T>` as `FnOnce() -> impl Future<Output = Result<T, !>>`.
pub(crate) struct OkInit<F>(F);

impl<'a, T, F, Fut> GetOrInit<'a, T, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    pub(super) fn new(owner: &'a AsyncSingleton<T>, init: F) -> Self {
        Self {
            inner: GetOrTryInit {
                owner,
                ready: owner.get(),
                init: Some(OkInit(init)),
                registered: None,
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
        let this = self.get_mut();
        if let Some(value) = this.inner.ready {
            this.inner.finish();
            return Poll::Ready(value);
        }
        this.poll_slow(cx)
    }
}

impl<'a, T, F, Fut> GetOrInit<'a, T, F>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    #[cold]
    #[inline(never)]
    fn poll_slow(&mut self, cx: &mut Context<'_>) -> Poll<&'a T> {
        let inner = &mut self.inner;
        let init = &mut inner.init;
        let mut make = || {
            init.take().map(|OkInit(f)| {
                let future = f();
                Box::pin(async move { Ok::<T, Infallible>(future.await) })
                    as InitFuture<T, Infallible>
            })
        };
        let owner: &'a AsyncSingleton<T> = inner.owner;
        let registered = inner.registered.get_or_insert(Registered {
            id: None,
            wait: None,
        });
        match owner.poll_slow(cx, &mut registered.id, &mut make, &mut registered.wait) {
            Step::Pending => Poll::Pending,
            Step::Done(result) => {
                inner.finish();
                Poll::Ready(match result {
                    Ok(value) => value,
                    Err(never) => match never {},
                })
            }
        }
    }
}

impl<T, F> Unpin for GetOrInit<'_, T, F> {}

impl<T, F> fmt::Debug for GetOrInit<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetOrInit")
            .field("singleton", &self.inner.owner.name())
            .finish_non_exhaustive()
    }
}
