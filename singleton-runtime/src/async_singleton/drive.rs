//! The slow path of a waiting future's poll: under the lock, decide whether this caller
//! starts a run, continues the one parked here, or waits; then, without the lock, build
//! or poll the initialiser's future and record the outcome (see the parent module for
//! the state machine). Cold: a ready singleton never gets here.

use std::task::{Context, Poll, Waker};

use super::{AsyncSingleton, Init, InitFuture, Running};
use crate::once::async_::{self, Run};
use crate::waits::FutureWait;

/// What one poll of a waiting future decided, with the lock released.
pub(super) enum Step<'a, T, E> {
    Done(Result<&'a T, E>),
    Pending,
}

impl<T, E> AsyncSingleton<T, E> {
    /// The slow path of one poll of a waiting future: `id` is its waiter id, `make`
    /// builds its own initialiser's future (taken when it starts a run), `wait` its
    /// registered wait in the graph.
    #[cold]
    #[inline(never)]
    pub(super) fn poll_slow(
        &self,
        cx: &mut Context<'_>,
        id: &mut Option<u64>,
        make: &mut dyn FnMut() -> Option<InitFuture<T, E>>,
        wait: &mut Option<FutureWait>,
    ) -> Step<'_, T, E> {
        let mut state = self.lock();
        if let Some(value) = self.cell.get() {
            drop(state);
            return Step::Done(Ok(value));
        }
        let (me, replaced) = state.register(id, cx.waker());
        let run_wake = state
            .wake
            .clone()
            .unwrap_or_else(|| unreachable!("registered above"));
        let mut running = match std::mem::replace(&mut state.init, Init::Polling) {
            Init::Idle => {
                // No run: start one, with this caller's initialiser (built below,
                // without the lock). The claim is taken first, so the run is in the
                // graph before anything of it runs.
                let Some(run) = async_::start(&self.resource()) else {
                    unreachable!("the claims of an async singleton are taken under its own lock")
                };
                state.driver = Some(me);
                Started::New(run)
            }
            // The driver polls it; so does a waiter polled after the run was woken, if
            // the driver is inside another run and may never be polled again (`RunWake`).
            Init::Parked(running)
                if state.driver.is_none_or(|d| d == me)
                    || run_wake.woken_with_a_nested_poller() =>
            {
                state.driver = Some(me);
                Started::Continue(running)
            }
            other => {
                // Someone else drives (or polls right now): wait to be woken.
                state.init = other;
                Started::Wait
            }
        };
        // Every future that waits (also the driver: its initialiser may need a value
        // another run is building) says so in the graph once; a cycle panics here.
        if wait.is_none() {
            match async_::wait(self.resource()) {
                Ok(registered) => *wait = registered,
                Err(cycle) => {
                    let running = std::mem::replace(&mut running, Started::Wait);
                    let (own, wakers) = state.give_up(me, running);
                    drop(state);
                    drop((own, replaced, run_wake));
                    wakers.into_iter().for_each(Waker::wake);
                    panic!("{cycle}");
                }
            }
        }
        if !matches!(running, Started::Wait) {
            // This poll answers every wake so far.
            let nested = crate::waits::in_async_init();
            let mut wakes = run_wake.0.lock();
            wakes.woken = false;
            wakes.poller = Some((me, nested));
            drop(wakes);
        }
        drop(state);
        drop(replaced); // user code: without the lock
        let (future, run) = match running {
            Started::Wait => return Step::Pending,
            Started::Continue(Running { future, run }) => (Some(future), run),
            Started::New(run) => (None, run),
        };
        let guard = PollGuard {
            owner: self,
            run: Some(run),
            me,
        };
        // A panic from here to `defuse` (the initialiser closure, or a poll of its
        // future): the guard releases the claim and wakes the others; unwinding drops
        // the future.
        let mut future = match future {
            Some(future) => future,
            None => match make() {
                Some(future) => future,
                // Its run was continued by a waiter (see `RunWake`), and ended with an
                // `Err` or a panic there.
                None => panic!(
                    "the initialiser this `{}` future started failed while another caller \
                     polled it (that caller got the error or the panic); this future has no \
                     initialiser left to try again: await the singleton again",
                    self.name()
                ),
            },
        };
        let polled = {
            let _acting = guard.run.as_ref().map(Run::driving);
            // With the run's waker (see `RunWake`).
            let waker = Waker::from(run_wake);
            future.as_mut().poll(&mut Context::from_waker(&waker))
        };
        let run = guard.defuse();
        let mut state = self.lock();
        match polled {
            Poll::Pending => {
                state.init = Init::Parked(Running { future, run });
                let missed = state.missed_wakes();
                drop(state);
                missed.into_iter().for_each(Waker::wake);
                Step::Pending
            }
            Poll::Ready(result) => {
                let result = result.map(|value| self.cell.publish(value));
                // The claim ends before the run does: whoever starts the next run
                // (after `finish`, on an `Err`) finds it free.
                drop(run);
                let wakers = state.finish();
                drop(state);
                drop(future); // spent; its drop is user code, run without the lock
                wakers.into_iter().for_each(Waker::wake);
                Step::Done(result)
            }
        }
    }

    /// A waiting future went away (completed or dropped).
    pub(super) fn leave(&self, id: u64) {
        let mut state = self.lock();
        let (own, others) = state.leave(id);
        drop(state);
        drop(own); // user code: without the lock
        others.into_iter().for_each(Waker::wake);
    }
}

/// How a poll goes on after the decision under the lock.
pub(super) enum Started<T, E> {
    Wait,
    /// This caller drives an existing run.
    Continue(Running<T, E>),
    /// This caller started a run: its future is still to be built.
    New(Run),
}

/// Cleans up after a panic in user code of a run (building or polling its future): the
/// claim is released, nothing is stored, every waiter is woken to start again (the
/// unwinding caller drops the future). Defused on the normal path.
struct PollGuard<'a, T, E> {
    owner: &'a AsyncSingleton<T, E>,
    run: Option<Run>,
    me: u64,
}

impl<T, E> PollGuard<'_, T, E> {
    fn defuse(mut self) -> Run {
        let run = self.run.take().unwrap_or_else(|| unreachable!());
        std::mem::forget(self);
        run
    }
}

impl<T, E> Drop for PollGuard<'_, T, E> {
    fn drop(&mut self) {
        let mut state = self.owner.lock();
        // The claim first (see `poll_slow`), then the state.
        drop(self.run.take());
        let own = state.forget(self.me);
        let wakers = state.finish();
        drop(state);
        drop(own);
        wakers.into_iter().for_each(Waker::wake);
    }
}
