//! Loom models of the async state machine: waker registration (a waiter that is never
//! woken is a deadlock loom reports), publication, and the hand-off of a run when its
//! driver is cancelled.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::AsyncSingleton;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};

/// Pending once (asking to be polled again), then ready: an initialiser that is
/// parked between two polls.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

/// An initialiser that counts its runs, is parked once, and gives `who`.
fn counted_init(
    runs: Arc<AtomicUsize>,
    who: usize,
) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = usize> + Send>> {
    move || {
        Box::pin(async move {
            runs.fetch_add(1, Ordering::Relaxed);
            yield_once().await;
            who
        })
    }
}

/// Two threads await the value together: one run, both get its value, and whoever
/// waits is woken (else loom reports the deadlock).
#[test]
fn loom_async_one_run_and_waiters_are_woken() {
    loom::model(|| {
        let cell: Arc<AsyncSingleton<usize>> = Arc::new(AsyncSingleton::new("race"));
        let runs = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                loom::thread::spawn(move || {
                    *loom::future::block_on(cell.get_or_init(counted_init(runs, i)))
                })
            })
            .collect();
        let seen: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert_eq!(seen[0], seen[1]);
    });
}

/// A caller polls once and is cancelled (dropped) while another awaits: the run is
/// never started twice, and the one left finishes it (it is handed the run, or finds
/// it parked with no driver).
#[test]
fn loom_async_cancelled_driver_hands_off() {
    loom::model(|| {
        let cell: Arc<AsyncSingleton<&'static str>> = Arc::new(AsyncSingleton::new("handoff"));
        let runs = Arc::new(AtomicUsize::new(0));
        let init = |runs: Arc<AtomicUsize>, who: &'static str| {
            move || async move {
                runs.fetch_add(1, Ordering::Relaxed);
                yield_once().await;
                who
            }
        };
        let cancelled = {
            let (cell, runs) = (cell.clone(), runs.clone());
            loom::thread::spawn(move || {
                let mut future = pin!(cell.get_or_init(init(runs, "cancelled")));
                let polled = future
                    .as_mut()
                    .poll(&mut Context::from_waker(Waker::noop()));
                polled.is_ready()
                // dropped here: the task is cancelled
            })
        };
        let value = *loom::future::block_on(cell.get_or_init(init(runs.clone(), "waiter")));
        let _ = cancelled.join().unwrap();
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert!(value == "cancelled" || value == "waiter");
        assert_eq!(cell.get(), Some(&value));
    });
}

/// A future that registered (it found the run going) and is polled again while the
/// run publishes: it takes the fast path and leaves the waiters, or is woken by the end
/// of the run; either way exactly one run, and nothing is left registered.
#[test]
fn loom_async_a_registered_waiter_leaves_on_the_fast_path() {
    loom::model(|| {
        let cell: Arc<AsyncSingleton<usize>> = Arc::new(AsyncSingleton::new("leave"));
        let runs = Arc::new(AtomicUsize::new(0));
        let driver = {
            let (cell, runs) = (cell.clone(), runs.clone());
            loom::thread::spawn(move || {
                *loom::future::block_on(cell.get_or_init(counted_init(runs, 1)))
            })
        };
        let mut waiter = pin!(cell.get_or_init(counted_init(runs.clone(), 2)));
        let first = waiter
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        let value = match first {
            Poll::Ready(value) => *value,
            Poll::Pending => *loom::future::block_on(waiter.as_mut()),
        };
        assert_eq!(driver.join().unwrap(), value);
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        let state = cell.lock();
        assert_eq!(state.waiter_count(), 0);
        assert!(state.driver.is_none());
    });
}

/// A driver polled from inside another async initialiser's run polls once and is then
/// never polled again (that run's callers went away), though it stays alive; a caller
/// on another thread awaits meanwhile: it is woken by the run and continues it (else
/// loom reports the deadlock). One run either way.
#[test]
fn loom_async_a_waiter_continues_a_run_whose_nested_driver_is_never_polled() {
    loom::model(|| {
        let cell: Arc<AsyncSingleton<usize>> = Arc::new(AsyncSingleton::new("nested"));
        let runs = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (cell, runs) = (cell.clone(), runs.clone());
            loom::thread::spawn(move || {
                *loom::future::block_on(cell.get_or_init(counted_init(runs, 2)))
            })
        };
        let mut stranded = pin!(cell.get_or_init(counted_init(runs.clone(), 1)));
        let first = {
            let _inside_another_run = crate::waits::Driving::start(crate::waits::new_task());
            stranded
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
        };
        let value = waiter.join().unwrap();
        if let Poll::Ready(mine) = first {
            assert_eq!(*mine, value);
        }
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert_eq!(cell.get(), Some(&value));
    });
}
