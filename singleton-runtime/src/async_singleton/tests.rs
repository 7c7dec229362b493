//! Unit tests of the async state machine, on plain threads with a parking `block_on`
//! and hand-polled futures (no executor), Miri-clean.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use super::AsyncSingleton;
use crate::test_support::within_timeout;

/// Wakes by unparking a thread, and counts wake-ups.
struct Unpark(std::thread::Thread, AtomicUsize);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.unpark();
    }
}

fn flag_waker() -> (Arc<Unpark>, Waker) {
    let flag = Arc::new(Unpark(std::thread::current(), AtomicUsize::new(0)));
    (flag.clone(), Waker::from(flag))
}

/// Polls `future` to completion, parking between polls (never spinning: a test that
/// is never woken deadlocks and fails by `within_timeout`).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let (_, waker) = flag_waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}

/// Polls `future` once with `waker`.
fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// A future that is pending until `open` is called.
#[derive(Clone, Default)]
struct Gate(Arc<Mutex<(bool, Option<Waker>)>>);

impl Gate {
    fn open(&self) {
        let waker = {
            let mut gate = self.0.lock().unwrap();
            gate.0 = true;
            gate.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let gate = self.clone();
        std::future::poll_fn(move |cx| {
            let mut state = gate.0.lock().unwrap();
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

/// A future of an `AsyncSingleton<u8>`, boxed.
type U8Future<'a> = Pin<Box<dyn Future<Output = &'a u8> + 'a>>;

/// A future that starts a run of `cell` waiting at the returned gate (then giving
/// `value`), polled once: it is the run's driver. With its waker and the waker's flag.
fn driving_at_a_gate(
    cell: &AsyncSingleton<u8>,
    value: u8,
) -> (Gate, U8Future<'_>, Arc<Unpark>, Waker) {
    let gate = Gate::default();
    let g = gate.clone();
    let mut driver: U8Future<'_> = Box::pin(cell.get_or_init(move || async move {
        g.wait().await;
        value
    }));
    let (flag, waker) = flag_waker();
    assert!(poll_once(&mut driver, &waker).is_pending());
    (gate, driver, flag, waker)
}

#[test]
fn threads_share_one_run() {
    within_timeout(|| {
        let cell: &AsyncSingleton<usize> = &AsyncSingleton::new("shared");
        let runs = Arc::new(AtomicUsize::new(0));
        let gate = Gate::default();
        let seen: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (runs, gate) = (runs.clone(), gate.clone());
                    s.spawn(move || {
                        let v = block_on(cell.get_or_init(move || async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            gate.wait().await;
                            7
                        }));
                        std::ptr::from_ref(v).addr()
                    })
                })
                .collect();
            while runs.load(Ordering::SeqCst) == 0 {
                std::thread::yield_now();
            }
            gate.open();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(seen.iter().all(|a| *a == seen[0]));
        assert_eq!(cell.get(), Some(&7));
    });
}

#[test]
fn a_dropped_driver_hands_the_same_run_to_a_waiter() {
    let cell: &AsyncSingleton<String> = &AsyncSingleton::new("handoff");
    let starts = Arc::new(AtomicUsize::new(0));
    let gate = Gate::default();
    let init = |starts: Arc<AtomicUsize>, gate: Gate, who: &'static str| {
        move || async move {
            starts.fetch_add(1, Ordering::SeqCst);
            gate.wait().await;
            format!("started by {who}")
        }
    };
    let (first_flag, first_waker) = flag_waker();
    let (second_flag, second_waker) = flag_waker();
    let mut first = Box::pin(cell.get_or_init(init(starts.clone(), gate.clone(), "first")));
    let mut second = Box::pin(cell.get_or_init(init(starts.clone(), gate.clone(), "second")));
    assert!(poll_once(&mut first, &first_waker).is_pending());
    assert!(poll_once(&mut second, &second_waker).is_pending());
    assert_eq!(starts.load(Ordering::SeqCst), 1);
    assert_eq!(
        second_flag.1.load(Ordering::SeqCst),
        0,
        "a waiter is not woken for nothing"
    );
    drop(first); // the driver is cancelled
    assert_eq!(
        second_flag.1.load(Ordering::SeqCst),
        1,
        "the waiter is told to take over"
    );
    // It polls the same run on: nothing starts again, and the gate now wakes it.
    assert!(poll_once(&mut second, &second_waker).is_pending());
    gate.open();
    assert_eq!(second_flag.1.load(Ordering::SeqCst), 2);
    let value = match poll_once(&mut second, &second_waker) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the gate is open"),
    };
    assert_eq!(value, "started by first");
    assert_eq!(starts.load(Ordering::SeqCst), 1);
    assert_eq!(first_flag.1.load(Ordering::SeqCst), 0);
}

#[test]
fn an_err_or_a_panic_stores_nothing_and_the_next_caller_retries() {
    let cell: &AsyncSingleton<u16, String> = &AsyncSingleton::new("retry");
    let failed = block_on(cell.get_or_try_init(|| async { Err("down".to_owned()) }));
    assert_eq!(failed, Err("down".to_owned()));
    assert_eq!(cell.get(), None);
    let panicked =
        std::panic::catch_unwind(|| block_on(cell.get_or_try_init(|| async { panic!("boom") })));
    assert!(panicked.is_err());
    assert_eq!(cell.get(), None);
    assert_eq!(block_on(cell.get_or_try_init(|| async { Ok(80) })), Ok(&80));
    assert_eq!(
        block_on(cell.get_or_try_init(|| async { unreachable!("initialised") })),
        Ok(&80)
    );
}

#[test]
fn a_panic_while_polling_wakes_the_waiters_and_one_of_them_starts_again() {
    let cell: &AsyncSingleton<u8> = &AsyncSingleton::new("panicky");
    let gate = Gate::default();
    let g = gate.clone();
    let mut first = Box::pin(cell.get_or_init(move || async move {
        g.wait().await;
        panic!("init failed")
    }));
    let (_, first_waker) = flag_waker();
    assert!(poll_once(&mut first, &first_waker).is_pending());
    let (second_flag, second_waker) = flag_waker();
    let mut second = Box::pin(cell.get_or_init(|| async { 2 }));
    assert!(poll_once(&mut second, &second_waker).is_pending());
    gate.open();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut first, &first_waker);
    }));
    assert!(unwound.is_err());
    assert_eq!(
        second_flag.1.load(Ordering::SeqCst),
        1,
        "woken by the panic"
    );
    assert_eq!(poll_once(&mut second, &second_waker), Poll::Ready(&2));
}

#[test]
fn an_initialiser_awaiting_its_own_singleton_panics_with_its_name() {
    static SELF_AWARE: AsyncSingleton<u8> = AsyncSingleton::new("self_aware");
    let panicked = std::panic::catch_unwind(|| {
        block_on(SELF_AWARE.get_or_init(|| async { *SELF_AWARE.get_or_init(|| async { 1 }).await }))
    });
    let message = *panicked.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.starts_with("singleton init cycle: self_aware -> self_aware"),
        "{message}"
    );
    // Nothing is left held: it can be initialised afterwards.
    assert_eq!(block_on(SELF_AWARE.get_or_init(|| async { 3 })), &3);
}

/// A waiter is not woken while nothing happens (it never spins), nor when the run is
/// woken, if its driver polls it from a task of its own: only the driver is, and it
/// keeps its role (a waiter polled meanwhile does not take the run).
#[test]
fn a_waiter_is_woken_by_the_run_and_leaves_it_to_its_driver() {
    let cell: &AsyncSingleton<u8> = &AsyncSingleton::new("quiet");
    let (gate, mut driver, driver_flag, driver_waker) = driving_at_a_gate(cell, 5);
    let (waiter_flag, waiter_waker) = flag_waker();
    let mut waiter = Box::pin(cell.get_or_init(|| async { unreachable!("a run is in progress") }));
    for _ in 0..3 {
        assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    }
    assert_eq!(waiter_flag.1.load(Ordering::SeqCst), 0);
    assert_eq!(driver_flag.1.load(Ordering::SeqCst), 0);
    gate.open();
    assert_eq!(driver_flag.1.load(Ordering::SeqCst), 1);
    assert_eq!(
        waiter_flag.1.load(Ordering::SeqCst),
        0,
        "only the driver is woken"
    );
    assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    assert_eq!(cell.lock().driver, Some(1), "the driver keeps its role");
    assert_eq!(poll_once(&mut driver, &driver_waker), Poll::Ready(&5));
    assert_eq!(
        waiter_flag.1.load(Ordering::SeqCst),
        1,
        "told when it is done"
    );
    assert_eq!(poll_once(&mut waiter, &waiter_waker), Poll::Ready(&5));
}

/// The driver was polled from inside another async initialiser's run (which may never
/// be polled again: its callers went away): a waiter polled after the run's wake
/// continues the run; the driver, if polled after it, waits; both get the one value.
#[test]
fn a_waiter_continues_a_run_whose_driver_is_inside_another_run() {
    let cell: &AsyncSingleton<u8> = &AsyncSingleton::new("nested driver");
    let polls = Arc::new(AtomicUsize::new(0));
    let gates = [Gate::default(), Gate::default()];
    let (p, g) = (polls.clone(), gates.clone());
    let mut driver: U8Future<'_> = Box::pin(cell.get_or_init(move || async move {
        p.fetch_add(1, Ordering::SeqCst);
        g[0].wait().await;
        p.fetch_add(1, Ordering::SeqCst);
        g[1].wait().await;
        8
    }));
    let (_, driver_waker) = flag_waker();
    let (_, waiter_waker) = flag_waker();
    let mut waiter = Box::pin(cell.get_or_init(|| async { unreachable!("a run is in progress") }));
    {
        let _inside_another_run = crate::waits::Driving::start(crate::waits::new_task());
        assert!(poll_once(&mut driver, &driver_waker).is_pending());
    }
    assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    assert_eq!(
        polls.load(Ordering::SeqCst),
        1,
        "a waiter does not poll unwoken"
    );
    gates[0].open();
    assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    assert_eq!(
        polls.load(Ordering::SeqCst),
        2,
        "the waiter continued the run"
    );
    assert!(poll_once(&mut driver, &driver_waker).is_pending());
    gates[1].open();
    assert_eq!(poll_once(&mut waiter, &waiter_waker), Poll::Ready(&8));
    assert_eq!(poll_once(&mut driver, &driver_waker), Poll::Ready(&8));
}

#[test]
fn an_empty_singleton_debugs_as_uninit() {
    let cell: AsyncSingleton<String> = AsyncSingleton::new("empty");
    assert_eq!(
        format!("{cell:?}"),
        r#"AsyncSingleton { name: "empty", value: <uninit>, .. }"#
    );
}

/// The driver is cancelled, and so is the waiter it handed the run to, before that one
/// polled: the role goes on to the next waiter (it was lost once: the hand-off woke a
/// waiter without naming it the driver).
#[test]
fn a_hand_off_to_a_waiter_that_is_cancelled_too_goes_on() {
    let cell: &AsyncSingleton<u8> = &AsyncSingleton::new("handoff twice");
    let gate = Gate::default();
    let g = gate.clone();
    let mut futures: Vec<_> = (0..3)
        .map(|_| {
            let g = g.clone();
            Box::pin(cell.get_or_init(move || async move {
                g.wait().await;
                9
            }))
        })
        .collect();
    let flags: Vec<_> = (0..3).map(|_| flag_waker()).collect();
    for (future, (_, waker)) in futures.iter_mut().zip(&flags) {
        assert!(poll_once(future, waker).is_pending());
    }
    let mut third = futures.pop().unwrap();
    drop(futures); // the driver, then the waiter it woke, before that one polled
    assert_eq!(
        flags[2].0.1.load(Ordering::SeqCst),
        1,
        "the last waiter takes over"
    );
    assert!(poll_once(&mut third, &flags[2].1).is_pending());
    gate.open();
    assert_eq!(poll_once(&mut third, &flags[2].1), Poll::Ready(&9));
}

/// A future among the waiters that finds the value when polled again (here an
/// override, while the run goes on) leaves them there and then: it was the driver, so
/// the role goes to the next waiter at once, not when the future is dropped.
#[test]
fn a_waiting_future_that_finds_the_value_leaves_the_waiters() {
    static CELL: AsyncSingleton<u8> = AsyncSingleton::new("fast leave");
    let gate = Gate::default();
    let init = |gate: Gate| {
        move || async move {
            gate.wait().await;
            1
        }
    };
    let mut driver = Box::pin(CELL.get_or_init(init(gate.clone())));
    let mut waiter = Box::pin(CELL.get_or_init(init(gate.clone())));
    let (_, driver_waker) = flag_waker();
    let (waiter_flag, waiter_waker) = flag_waker();
    assert!(poll_once(&mut driver, &driver_waker).is_pending());
    assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    assert_eq!(CELL.lock().waiter_count(), 2);
    {
        let _guard = CELL.override_guard(2);
        assert_eq!(poll_once(&mut driver, &driver_waker), Poll::Ready(&2));
    }
    assert_eq!(CELL.lock().waiter_count(), 1, "the driver left the waiters");
    assert_eq!(
        waiter_flag.1.load(Ordering::SeqCst),
        1,
        "the waiter is told to take over"
    );
    assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    gate.open();
    assert_eq!(poll_once(&mut waiter, &waiter_waker), Poll::Ready(&1));
    // The driver is dropped after it completed: it is no longer anywhere to leave.
    drop(driver);
    assert_eq!(CELL.lock().waiter_count(), 0);
}

/// A future that was never polled has registered nothing: dropping it leaves the run
/// and its waiters alone (its drop is the fast path's: nothing to do).
#[test]
fn a_future_never_polled_is_dropped_without_touching_the_run() {
    let cell: &AsyncSingleton<u8> = &AsyncSingleton::new("unpolled");
    let (gate, mut driver, driver_flag, driver_waker) = driving_at_a_gate(cell, 4);
    let unpolled = cell.get_or_init(|| async { unreachable!("never polled") });
    drop(unpolled);
    {
        let state = cell.lock();
        assert_eq!(state.waiter_count(), 1);
        assert!(state.driver.is_some());
    }
    assert_eq!(driver_flag.1.load(Ordering::SeqCst), 0);
    gate.open();
    assert_eq!(poll_once(&mut driver, &driver_waker), Poll::Ready(&4));
}

/// A future that completed with the initialiser's `Err` has nothing left to run:
/// polling it again panics saying so, and the singleton is untouched.
#[test]
fn a_future_polled_again_after_its_err_panics_and_leaves_the_singleton_usable() {
    let cell: &AsyncSingleton<u8, String> = &AsyncSingleton::new("spent");
    let mut future = Box::pin(cell.get_or_try_init(|| async { Err("no".to_owned()) }));
    let (_, waker) = flag_waker();
    assert_eq!(
        poll_once(&mut future, &waker),
        Poll::Ready(Err("no".to_owned()))
    );
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut future, &waker);
    }));
    let message = *again.unwrap_err().downcast::<&str>().unwrap();
    assert_eq!(
        message,
        "an `AsyncSingleton` future was polled after it completed"
    );
    drop(future);
    assert_eq!(cell.lock().waiter_count(), 0);
    assert_eq!(block_on(cell.get_or_try_init(|| async { Ok(6) })), Ok(&6));
}

/// A waker whose last reference owns a task: here, another waiting future of the same
/// singleton (an executor whose tasks are owned by their wakers).
struct OwnsATask {
    /// Kept only to be dropped with the last waker.
    _task: Mutex<SendFuture>,
}

type SendFuture = Pin<Box<dyn Future<Output = &'static u8> + Send>>;

impl Wake for OwnsATask {
    fn wake(self: Arc<Self>) {}
}

/// A future polled again with another waker replaces the one it registered; that drop
/// is user code (here it drops a task holding another waiter, which leaves the waiters)
/// and runs without the singleton's lock, or it would deadlock on it.
#[test]
fn a_replaced_waker_is_dropped_without_the_lock() {
    within_timeout(|| {
        static CELL: AsyncSingleton<u8> = AsyncSingleton::new("waker drop");
        let (gate, mut driver, _, driver_waker) = driving_at_a_gate(&CELL, 3);
        let (_, plain) = flag_waker();
        let mut inner: SendFuture = Box::pin(CELL.get_or_init(|| async { 0 }));
        assert!(poll_once(&mut inner, &plain).is_pending());
        let owner = Waker::from(Arc::new(OwnsATask {
            _task: Mutex::new(inner),
        }));
        let mut outer = Box::pin(CELL.get_or_init(|| async { 0 }));
        assert!(poll_once(&mut outer, &owner).is_pending());
        drop(owner); // the singleton holds the only reference
        assert!(poll_once(&mut outer, &plain).is_pending());
        gate.open();
        assert_eq!(poll_once(&mut driver, &driver_waker), Poll::Ready(&3));
        assert_eq!(poll_once(&mut outer, &plain), Poll::Ready(&3));
    });
}

/// A waiter woken by the end of a run finds the value reset before it polls: it starts
/// a run of its own with its own initialiser.
#[test]
fn a_waiter_that_finds_the_value_reset_starts_again() {
    static CELL: AsyncSingleton<u8> = AsyncSingleton::new("reset between polls");
    let (gate, mut driver, _, driver_waker) = driving_at_a_gate(&CELL, 1);
    let (waiter_flag, waiter_waker) = flag_waker();
    let mut waiter = Box::pin(CELL.get_or_init(|| async { 2 }));
    assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    gate.open();
    assert_eq!(poll_once(&mut driver, &driver_waker), Poll::Ready(&1));
    assert_eq!(
        waiter_flag.1.load(Ordering::SeqCst),
        1,
        "woken by the end of the run"
    );
    CELL.reset();
    assert_eq!(poll_once(&mut waiter, &waiter_waker), Poll::Ready(&2));
    assert_eq!(CELL.get(), Some(&2));
}

/// The driver is cancelled; the waiter it handed the run to panics polling it: nothing
/// is stored, and the last waiter starts a run of its own.
#[test]
fn a_panic_in_a_handed_off_run_wakes_the_others_to_start_again() {
    let cell: &AsyncSingleton<u8> = &AsyncSingleton::new("handed-off panic");
    let gate = Gate::default();
    let g = gate.clone();
    let mut driver: U8Future<'_> = Box::pin(cell.get_or_init(move || async move {
        g.wait().await;
        panic!("the run fails")
    }));
    let mut heir: U8Future<'_> = Box::pin(cell.get_or_init(|| async { unreachable!() }));
    let mut last: U8Future<'_> = Box::pin(cell.get_or_init(|| async { 6 }));
    let wakers: Vec<_> = (0..3).map(|_| flag_waker()).collect();
    assert!(poll_once(&mut driver, &wakers[0].1).is_pending());
    assert!(poll_once(&mut heir, &wakers[1].1).is_pending());
    assert!(poll_once(&mut last, &wakers[2].1).is_pending());
    drop(driver);
    assert_eq!(wakers[1].0.1.load(Ordering::SeqCst), 1, "the heir is told");
    assert!(poll_once(&mut heir, &wakers[1].1).is_pending());
    gate.open();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut heir, &wakers[1].1);
    }));
    assert!(unwound.is_err());
    assert_eq!(cell.get(), None);
    assert!(
        wakers[2].0.1.load(Ordering::SeqCst) >= 1,
        "the last waiter is woken"
    );
    assert_eq!(poll_once(&mut last, &wakers[2].1), Poll::Ready(&6));
}

/// A driver inside another run started this run; a waiter continued it (see
/// `RunWake`) and got its `Err`. The driver, polled again, has no initialiser left to
/// try again: it panics saying so (rather than wait for a run nobody may start).
#[test]
fn a_nested_driver_whose_run_failed_under_a_waiter_panics_saying_so() {
    let cell: &AsyncSingleton<u8, String> = &AsyncSingleton::new("spent");
    let gate = Gate::default();
    let g = gate.clone();
    let mut driver = Box::pin(cell.get_or_try_init(move || async move {
        g.wait().await;
        Err("down".to_owned())
    }));
    let mut waiter = Box::pin(cell.get_or_try_init(|| async { Ok(1) }));
    let (_, driver_waker) = flag_waker();
    let (_, waiter_waker) = flag_waker();
    {
        let _inside_another_run = crate::waits::Driving::start(crate::waits::new_task());
        assert!(poll_once(&mut driver, &driver_waker).is_pending());
    }
    assert!(poll_once(&mut waiter, &waiter_waker).is_pending());
    gate.open();
    assert_eq!(
        poll_once(&mut waiter, &waiter_waker),
        Poll::Ready(Err("down".to_owned()))
    );
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut driver, &driver_waker);
    }));
    let message = *again.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.contains("failed while another caller polled it"),
        "{message}"
    );
    assert_eq!(block_on(cell.get_or_try_init(|| async { Ok(2) })), Ok(&2));
}

/// The run, polled by a driver inside another run, is woken during that poll, before a
/// waiter on another thread registers (while the run is being polled); the poll then
/// ends pending. That waiter must be woken too: the driver may never be polled again.
#[test]
fn a_wake_during_a_nested_poll_reaches_a_waiter_registered_after_it() {
    within_timeout(|| {
        static CELL: AsyncSingleton<u8> = AsyncSingleton::new("missed wake");
        let (registered_tx, registered_rx) = std::sync::mpsc::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let mut polls = 0;
        let registered_rx = Mutex::new(registered_rx);
        let mut driver = Box::pin(CELL.get_or_init(move || {
            std::future::poll_fn(move |cx| {
                polls += 1;
                if polls == 1 {
                    cx.waker().wake_by_ref(); // the run is woken...
                    go_tx.send(()).unwrap(); // ...before the waiter registers
                    registered_rx.lock().unwrap().recv().unwrap();
                    Poll::Pending
                } else {
                    Poll::Ready(4)
                }
            })
        }));
        let waiter = std::thread::spawn(move || {
            go_rx.recv().unwrap();
            let (flag, waker) = flag_waker();
            let mut waiter = Box::pin(CELL.get_or_init(|| async { unreachable!() }));
            assert!(poll_once(&mut waiter, &waker).is_pending());
            registered_tx.send(()).unwrap();
            while flag.1.load(Ordering::SeqCst) == 0 {
                std::thread::park(); // never woken: `within_timeout` fails
            }
            match poll_once(&mut waiter, &waker) {
                Poll::Ready(value) => *value,
                Poll::Pending => panic!("woken, it continues the run"),
            }
        });
        let (_, driver_waker) = flag_waker();
        {
            let _inside_another_run = crate::waits::Driving::start(crate::waits::new_task());
            assert!(poll_once(&mut driver, &driver_waker).is_pending());
        }
        // The driver is never polled again (its run's callers went away).
        assert_eq!(waiter.join().unwrap(), 4);
        drop(driver);
    });
}
