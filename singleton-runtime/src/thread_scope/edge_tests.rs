//! Adversarial cases: other thread-locals' destructors on both sides of the slot's,
//! panicking initialisers and closures, values whose drop reaches their singleton,
//! resets on one thread among others, cycles through initialisers (visits: see
//! `visit_tests`).

use super::{FastCell, Registry, ThreadScopeError, ThreadScoped, ThreadSlot};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

#[derive(Debug, PartialEq, Eq)]
enum Event {
    ProbeSaw(Result<u32, ThreadScopeError>),
    ValueDropped(u32),
}

thread_local! {
    /// Which case the events of this thread belong to (no drop glue: never destroyed).
    static CASE: Cell<u32> = const { Cell::new(0) };
    static PROBE: RefCell<Option<Probe>> = const { RefCell::new(None) };
}

// singleton-audit: allow(test instrumentation: the events of the teardown cases)
static EVENTS: std::sync::Mutex<Vec<(u32, Event)>> = std::sync::Mutex::new(Vec::new());

fn log(event: Event) {
    let case = CASE.with(Cell::get);
    EVENTS.lock().unwrap().push((case, event));
}

fn events_of(case: u32) -> Vec<Event> {
    let mut events = EVENTS.lock().unwrap();
    let (mine, others) = std::mem::take(&mut *events)
        .into_iter()
        .partition::<Vec<_>, _>(|(c, _)| *c == case);
    *events = others;
    mine.into_iter().map(|(_, e)| e).collect()
}

struct Watched(u32);

impl Drop for Watched {
    fn drop(&mut self) {
        log(Event::ValueDropped(self.0));
    }
}

thread_scoped!(WATCHED: Watched = "watched", || Watched(7));

/// Another thread-local whose destructor reaches `WATCHED`.
struct Probe;

impl Drop for Probe {
    fn drop(&mut self) {
        log(Event::ProbeSaw(WATCHED.try_with(|w| w.0)));
    }
}

/// Runs `body` on a thread of its own and returns the events of its life, its
/// thread-locals' destructors included (`join` returns after them).
fn run_case(case: u32, body: fn()) -> Vec<Event> {
    std::thread::spawn(move || {
        CASE.with(|c| c.set(case));
        body();
    })
    .join()
    .unwrap();
    events_of(case)
}

#[test]
fn another_thread_locals_destructor_sees_the_value_or_the_named_error_never_a_freed_value() {
    crate::test_support::within_timeout(|| {
        let alive = vec![Event::ProbeSaw(Ok(7)), Event::ValueDropped(7)];
        let gone = vec![
            Event::ValueDropped(7),
            Event::ProbeSaw(Err(ThreadScopeError::Destroyed { name: "watched" })),
        ];
        // The probe's thread-local first, then the singleton.
        let first = run_case(1, || {
            PROBE.with(|p| *p.borrow_mut() = Some(Probe));
            WATCHED.with(|w| assert_eq!(w.0, 7));
        });
        assert!(first == alive || first == gone, "{first:?}");
        // The singleton first, then the probe.
        let second = run_case(2, || {
            WATCHED.with(|w| assert_eq!(w.0, 7));
            PROBE.with(|p| *p.borrow_mut() = Some(Probe));
        });
        assert!(second == alive || second == gone, "{second:?}");
        // Only the probe: its destructor is the thread's first access.
        let third = run_case(3, || PROBE.with(|p| *p.borrow_mut() = Some(Probe)));
        assert!(
            third == alive
                || third
                    == [Event::ProbeSaw(Err(ThreadScopeError::Destroyed {
                        name: "watched"
                    }))],
            "built during teardown and never dropped? {third:?}"
        );
        eprintln!("teardown orders seen: {first:?} / {second:?} / {third:?}");
    });
}

static FLAKY_CALLS: AtomicUsize = AtomicUsize::new(0);
thread_scoped!(FLAKY: u32 = "flaky", || {
    assert!(
        FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) != 0,
        "first build fails"
    );
    5
});

#[test]
fn an_initialiser_that_panics_is_retried_and_registered_once() {
    crate::test_support::within_timeout(|| {
        assert!(std::panic::catch_unwind(|| FLAKY.with(|v| *v)).is_err());
        assert_eq!(FLAKY.try_with(|v| *v), Ok(5));
        assert_eq!(FLAKY_CALLS.load(Ordering::SeqCst), 2);
        let mut seen = Vec::new();
        FLAKY.for_each(|v| seen.push(*v));
        assert_eq!(seen, [5]);
    });
}

static PANICKY_DROPS: AtomicUsize = AtomicUsize::new(0);
struct Counted(u64);
impl Drop for Counted {
    fn drop(&mut self) {
        PANICKY_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}
thread_scoped!(PANICKY: Counted = "panicky", || Counted(3));

#[test]
fn a_panicking_closure_leaves_the_value_and_the_borrow_count_intact() {
    crate::test_support::within_timeout(|| {
        let caught = std::panic::catch_unwind(|| {
            PANICKY.with(|outer| PANICKY.with(|inner| panic!("{} {}", outer.0, inner.0)))
        });
        assert!(caught.is_err());
        assert_eq!(PANICKY.with(|c| c.0), 3);
        let before = PANICKY_DROPS.load(Ordering::SeqCst);
        PANICKY.reset(); // would panic if the count had stayed up
        assert_eq!(PANICKY_DROPS.load(Ordering::SeqCst), before + 1);
    });
}

static PHOENIX_BUILDS: AtomicU64 = AtomicU64::new(0);
struct Phoenix(u64);
impl Drop for Phoenix {
    fn drop(&mut self) {
        if self.0 == 0 {
            // Dropped by a reset: reaches the singleton again (a new instance).
            assert_eq!(PHOENIX.with(|p| p.0), 1);
        } else {
            // Dropped at thread exit: the named error.
            assert_eq!(
                PHOENIX.try_with(|p| p.0),
                Err(ThreadScopeError::Destroyed { name: "phoenix" })
            );
            PHOENIX_EXITS.fetch_add(1, Ordering::SeqCst);
        }
    }
}
static PHOENIX_EXITS: AtomicUsize = AtomicUsize::new(0);
thread_scoped!(PHOENIX: Phoenix = "phoenix", || Phoenix(
    PHOENIX_BUILDS.fetch_add(1, Ordering::SeqCst)
));

#[test]
fn a_value_whose_drop_reaches_its_singleton_during_a_reset_and_at_exit() {
    crate::test_support::within_timeout(|| {
        std::thread::spawn(|| {
            assert_eq!(PHOENIX.with(|p| p.0), 0);
            PHOENIX.reset();
            assert_eq!(PHOENIX.with(|p| p.0), 1);
            let mut seen = Vec::new();
            PHOENIX.for_each(|p| seen.push(p.0));
            assert_eq!(seen, [1], "only the instance built by the drop");
        })
        .join()
        .unwrap();
        assert_eq!(PHOENIX_EXITS.load(Ordering::SeqCst), 1);
        let mut left = 0;
        PHOENIX.for_each(|_| left += 1);
        assert_eq!(left, 0);
    });
}

thread_scoped!(OWN_RESET: AtomicU64 = "own_reset", || AtomicU64::new(1));

/// A reset acts on the calling thread only: another thread's instance, its value and
/// its registration are untouched; the caller's own is gone from visits.
#[test]
fn a_reset_on_one_thread_leaves_other_threads_instances_alone() {
    crate::test_support::within_timeout(|| {
        let (set, was_set) = mpsc::channel();
        let (go, done) = mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            OWN_RESET.with(|v| v.store(9, Ordering::SeqCst));
            set.send(()).unwrap();
            let _ = done.recv(); // until `go` is dropped
            OWN_RESET.with(|v| v.load(Ordering::SeqCst))
        });
        was_set.recv().unwrap();
        OWN_RESET.with(|v| v.store(2, Ordering::SeqCst));
        OWN_RESET.reset();
        let mut seen = Vec::new();
        OWN_RESET.for_each(|v| seen.push(v.load(Ordering::SeqCst)));
        assert_eq!(seen, [9], "the other thread's only: this one's was reset");
        drop(go);
        assert_eq!(other.join().unwrap(), 9);
        assert_eq!(
            OWN_RESET.with(|v| v.load(Ordering::SeqCst)),
            1,
            "built again"
        );
    });
}

thread_scoped!(PING: u32 = "ping", || PONG.with(|v| *v) + 1);
thread_scoped!(PONG: u32 = "pong", || PING.with(|v| *v) + 1);

/// `ping`'s initialiser needs `pong`, whose initialiser needs `ping`: a panic naming the
/// first one re-entered, both left unbuilt (the same panic again, never a half-built
/// value), and once `pong` is overridden the cycle is gone.
#[test]
fn a_cycle_through_two_thread_scoped_initialisers_panics_and_leaves_both_unbuilt() {
    crate::test_support::within_timeout(|| {
        for _ in 0..2 {
            let message = std::panic::catch_unwind(|| PING.with(|v| *v))
                .unwrap_err()
                .downcast::<String>()
                .unwrap();
            assert!(
                message
                    .starts_with("thread-scoped singleton init cycle: the initialiser of `ping`"),
                "{message}"
            );
        }
        let mut built = 0;
        PING.for_each(|_| built += 1);
        PONG.for_each(|_| built += 1);
        assert_eq!(built, 0);
        let _pong = PONG.override_guard(10);
        assert_eq!(PING.with(|v| *v), 11);
    });
}
