//! The `Send` check of an async singleton's initialiser future, with a message that
//! names the fix. A bound `F: Send` on the future cannot carry one: rustc reports a
//! future that is not `Send` with its own message ("future cannot be sent between
//! threads safely"), whatever trait asked. So the expansion asks by autoref-based
//! specialisation (as `singleton/field_check.rs` does for a struct's fields): a `Send`
//! future passes through; any other gets a verdict whose `check()` is bounded on a trait
//! that nothing implements, with the message, and is replaced by a future that never
//! runs ([`NeverPolled`]), so that the singleton's own `Send` bounds do not report it
//! again. (`NotSendFuture::select` asks `F: Send` once more, on purpose: rustc's error
//! for it says where — which value is held across which `.await` — which ours cannot.)

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::singleton::private::Uninhabited;

/// Asks whether the initialiser future `F` is `Send`.
pub struct FutureProbe<F>(PhantomData<fn() -> F>);

impl<F> FutureProbe<F> {
    /// Used by the expansion only.
    #[must_use]
    pub fn of(_: &F) -> Self {
        Self(PhantomData)
    }
}

/// The verdict for a `Send` future.
pub struct SendFuture;

/// The verdict for a future `F` that is not `Send`.
pub struct NotSendFuture<F>(PhantomData<fn() -> F>);

/// Step 1: the future is `Send`.
pub trait FutureIsSend {
    /// Used by the expansion only.
    fn singleton_verdict(&self) -> SendFuture {
        SendFuture
    }
}

impl<F: Future + Send> FutureIsSend for &&FutureProbe<F> {}

/// Step 2: any other future.
pub trait FutureIsNotSend<F> {
    /// Used by the expansion only.
    fn singleton_verdict(&self) -> NotSendFuture<F> {
        NotSendFuture(PhantomData)
    }
}

impl<F: Future> FutureIsNotSend<F> for &FutureProbe<F> {}

/// Step 3: not a future, which `AsyncInitReturns` has reported already: nothing more
/// is said about it.
pub trait NotAFuture {
    /// Used by the expansion only.
    fn singleton_verdict(&self) -> NotAFutureReported {
        NotAFutureReported
    }
}

impl<F> NotAFuture for FutureProbe<F> {}

/// The verdict for an initialiser that is not a future (reported already).
pub struct NotAFutureReported;

impl NotAFutureReported {
    /// Used by the expansion only.
    #[must_use]
    pub fn check(self) -> Self {
        self
    }

    /// A future of the expected output, never polled in a program that compiles.
    pub fn select<F, O>(self, future: F) -> NeverPolled<O> {
        drop(future);
        NeverPolled(PhantomData)
    }
}

impl SendFuture {
    /// Used by the expansion only.
    #[must_use]
    pub fn check(self) -> Self {
        self
    }

    /// The future itself.
    #[inline]
    pub fn select<F>(self, future: F) -> F {
        future
    }
}

/// Implemented by nothing that exists: the bound that carries the message.
#[diagnostic::on_unimplemented(
    message = "the initialiser of an async singleton must be a `Send` future: it is kept in the singleton and continued by whichever task awaits it next, on any thread",
    label = "this initialiser's future is not `Send`",
    note = "do not hold an `Rc`, a `RefCell` borrow, a `MutexGuard` or another value that is not `Send` across an `.await` in the initialiser: drop it before the `.await` (end its block), or use `Arc` / an async-aware lock (`tokio::sync::Mutex`)"
)]
pub trait InitFutureIsSend<F> {}

#[diagnostic::do_not_recommend]
impl<F> InitFutureIsSend<F> for Uninhabited {}

impl<F: Future> NotSendFuture<F> {
    /// Used by the expansion only: does not compile, with the message.
    #[must_use]
    pub fn check(self) -> Self
    where
        Self: InitFutureIsSend<F>,
    {
        self
    }

    /// A future that is never polled in a program that compiles. Its bound asks
    /// `F: Send` once more, for rustc's note that says where: which value is held
    /// across which `.await`.
    pub fn select(self, future: F) -> NeverPolled<F::Output>
    where
        F: Send,
    {
        drop(future);
        NeverPolled(PhantomData)
    }
}

/// Stands in for a future whose type was reported at compile time (an initialiser
/// future that is not `Send`, a singleton whose field is not `Send + Sync`).
pub struct NeverPolled<O>(PhantomData<fn() -> O>);

impl<O> NeverPolled<O> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<O> Future for NeverPolled<O> {
    type Output = O;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<O> {
        unreachable!("a type of this async singleton was reported at compile time")
    }
}
