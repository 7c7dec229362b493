//! Adversarial cases: other thread-locals' destructors on both sides of the slot's,
//! panicking initialisers and closures, values whose drop reaches their singleton,
//! visitors that panic or nest, threads that come and go during visits.

use super::{FastCell, Registry, ThreadScopeError, ThreadScoped, ThreadSlot};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};

macro_rules! thread_scoped {
    ($name:ident: $ty:ty = $label:literal, $init:expr) => {
        static $name: ThreadScoped<$ty> = {
            std::thread_local! {
                static FAST: FastCell<$ty> = const { FastCell::new() };
                static SLOT: ThreadSlot<$ty> = const { ThreadSlot::new() };
            }
            static REGISTRY: Registry<$ty> = Registry::new();
            ThreadScoped::new($label, &FAST, &SLOT, $init, &REGISTRY)
        };
    };
}

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
    if FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        panic!("first build fails");
    }
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

thread_scoped!(VISITED: AtomicU64 = "visited-edges", || AtomicU64::new(0));

#[test]
fn a_visitor_that_panics_releases_its_pin_and_nested_visits_count_exactly() {
    crate::test_support::within_timeout(|| {
        let (go, exit) = mpsc::channel::<()>();
        let (built, ready) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            VISITED.with(|v| v.store(1, Ordering::SeqCst));
            built.send(()).unwrap();
            exit.recv().unwrap();
        });
        ready.recv().unwrap();
        // Nested visits and a first access of this thread during a visit.
        let mut seen = Vec::new();
        VISITED.for_each(|v| {
            seen.push(v.load(Ordering::SeqCst));
            let mut inner = 0;
            VISITED.for_each(|_| inner += 1);
            seen.push(inner);
            if seen.len() == 2 {
                VISITED.with(|mine| mine.store(2, Ordering::SeqCst));
            }
        });
        assert_eq!(
            seen,
            [1, 1, 2, 2],
            "the worker's, then this thread's (built meanwhile)"
        );
        // A visitor that panics while the worker waits to withdraw its instance.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            VISITED.for_each(|v| {
                if v.load(Ordering::SeqCst) == 1 {
                    go.send(()).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    panic!("visitor fails");
                }
            });
        }));
        assert!(caught.is_err());
        worker.join().unwrap();
        let mut left = Vec::new();
        VISITED.for_each(|v| left.push(v.load(Ordering::SeqCst)));
        assert_eq!(left, [2], "this thread's only");
    });
}

const MAGIC: u64 = 0x5EED_F00D;
static CHURN_BUILDS: AtomicUsize = AtomicUsize::new(0);
static CHURN_DROPS: AtomicUsize = AtomicUsize::new(0);
struct Churn(AtomicU64);
impl Drop for Churn {
    fn drop(&mut self) {
        assert_eq!(*self.0.get_mut(), MAGIC + 1);
        self.0.store(0, Ordering::SeqCst);
        CHURN_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}
thread_scoped!(CHURN: Churn = "churn", || {
    CHURN_BUILDS.fetch_add(1, Ordering::SeqCst);
    Churn(AtomicU64::new(MAGIC))
});

#[test]
fn threads_coming_and_going_during_repeated_visits() {
    crate::test_support::within_timeout(|| {
        let (spawners, per) = if cfg!(miri) { (2, 3) } else { (4, 50) };
        let start = Arc::new(Barrier::new(spawners + 1));
        let handles: Vec<_> = (0..spawners)
            .map(|_| {
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    for _ in 0..per {
                        std::thread::spawn(|| CHURN.with(|c| c.0.fetch_add(1, Ordering::SeqCst)))
                            .join()
                            .unwrap();
                    }
                })
            })
            .collect();
        start.wait();
        let mut visits = 0_usize;
        while !handles.iter().all(std::thread::JoinHandle::is_finished) {
            CHURN.for_each(|c| {
                let v = c.0.load(Ordering::SeqCst);
                assert!(
                    v == MAGIC || v == MAGIC + 1,
                    "a dropped instance visited: {v:#x}"
                );
                visits += 1;
            });
        }
        for handle in handles {
            handle.join().unwrap();
        }
        let mut left = 0;
        CHURN.for_each(|_| left += 1);
        assert_eq!(left, 0);
        assert_eq!(CHURN_BUILDS.load(Ordering::SeqCst), spawners * per);
        assert_eq!(CHURN_DROPS.load(Ordering::SeqCst), spawners * per);
        eprintln!("churn: {visits} instances visited");
    });
}

thread_scoped!(CROSSED: AtomicU64 = "crossed", || AtomicU64::new(0));

/// Two threads each visit the other's instance and, meanwhile, reset their own: each
/// waits for the other's visit to end, a cycle. One of them is told (a panic naming
/// the instance); the other's reset goes through. The told thread's instance stays
/// what it was: alive, registered, and visited by later visits.
#[test]
fn a_reset_cycle_between_two_visitors_is_reported_and_leaves_the_instance_visible() {
    crate::test_support::within_timeout(|| {
        let both_pinned = Arc::new(Barrier::new(2));
        let all_done = Arc::new(Barrier::new(3));
        let (outcomes, results) = mpsc::channel();
        let handles: Vec<_> = [1_u64, 2]
            .into_iter()
            .map(|mark| {
                let (both_pinned, all_done, outcomes) =
                    (both_pinned.clone(), all_done.clone(), outcomes.clone());
                std::thread::spawn(move || {
                    CROSSED.with(|v| v.store(mark, Ordering::SeqCst));
                    both_pinned.wait(); // both built
                    let reset = std::panic::catch_unwind(|| {
                        CROSSED.for_each(|other| {
                            if other.load(Ordering::SeqCst) != mark {
                                both_pinned.wait(); // each pins the other's
                                CROSSED.reset();
                            }
                        });
                    });
                    outcomes.send((mark, reset.is_ok())).unwrap();
                    all_done.wait(); // the visits are over: check the registry
                    all_done.wait(); // checked: exit
                })
            })
            .collect();
        let mut seen: Vec<(u64, bool)> = results.iter().take(2).collect();
        seen.sort_unstable();
        let told: Vec<u64> = seen.iter().filter(|(_, ok)| !ok).map(|(m, _)| *m).collect();
        assert_eq!(told.len(), 1, "exactly one of the two is told: {seen:?}");
        all_done.wait();
        // The told thread's instance was not reset and is still registered; the
        // other's was reset (and not rebuilt: its thread did not access it again).
        let mut visible = Vec::new();
        CROSSED.for_each(|v| visible.push(v.load(Ordering::SeqCst)));
        all_done.wait();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(visible, told, "the surviving instance is visited");
    });
}

thread_scoped!(STATS: crate::Guarded<u64> = "stats", || crate::Guarded::new("stats.hits", 0));

/// A visitor waiting for a `Guarded` the visited instance *is* (or starts with): the
/// pin (keyed by the instance's address) is not the lock (keyed by its own), so the
/// wait is an ordinary one, not a cycle of this thread with itself.
#[test]
fn a_visitor_waiting_for_a_guarded_value_it_visits_is_not_a_cycle() {
    crate::test_support::within_timeout(|| {
        let (writing, in_write) = mpsc::channel();
        let owner = std::thread::spawn(move || {
            STATS.with(|s| {
                s.write(|v| {
                    writing.send(()).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    *v = 8;
                });
            });
        });
        in_write.recv().unwrap();
        let mut seen = Vec::new();
        STATS.for_each(|s| seen.push(s.read(|v| *v)));
        owner.join().unwrap();
        assert_eq!(seen, [8]);
    });
}

thread_scoped!(SHARED_STATS: crate::Guarded<u64> = "shared_stats", || crate::Guarded::new("shared_stats.hits", 0));

/// Three threads, no deadlock: `owner` writes its instance (a `Guarded`) for a while;
/// `visitor` pins that instance and waits for `gate`, which `writer` holds; `writer`,
/// holding `gate`, reads the instance and waits for `owner`'s write. Nobody waits for
/// `writer` but `visitor`, and `owner` waits for no one: every wait ends. The wait-for
/// graph must not confuse the visitor's pin on the instance with the instance's lock.
#[test]
fn a_pin_on_an_instance_is_not_mistaken_for_the_lock_at_the_same_address() {
    crate::test_support::within_timeout(|| {
        let gate = Arc::new(crate::Guarded::new("gate", 0_u32));
        let (owner_writes, owner_writing) = mpsc::channel();
        let (owner_done_tx, owner_done) = mpsc::channel::<()>();
        let owner = std::thread::spawn(move || {
            SHARED_STATS.with(|s| {
                s.write(|v| {
                    owner_writes.send(()).unwrap();
                    // Until the writer waits for this write (or a generous bound).
                    let _ = owner_done.recv_timeout(std::time::Duration::from_millis(1500));
                    *v = 5;
                });
            });
        });
        owner_writing.recv().unwrap();
        let (gate_taken_tx, gate_taken) = mpsc::channel();
        let writer = {
            let gate = gate.clone();
            std::thread::spawn(move || {
                gate.write(|g| {
                    gate_taken_tx.send(()).unwrap();
                    // Let the visitor pin the instance and wait for the gate.
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    let mut seen = Vec::new();
                    SHARED_STATS.for_each(|s| seen.push(s.read(|v| *v)));
                    *g = 1;
                    seen
                })
            })
        };
        gate_taken.recv().unwrap();
        let visitor = {
            let gate = gate.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                SHARED_STATS.for_each(|_| seen.push(gate.read(|g| *g)));
                seen
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(600));
        drop(owner_done_tx);
        let writer_saw = writer.join();
        let visitor_saw = visitor.join();
        owner.join().unwrap();
        assert_eq!(
            writer_saw.ok(),
            Some(vec![5]),
            "the writer waited for the owner's write"
        );
        assert_eq!(
            visitor_saw.ok(),
            Some(vec![1]),
            "the visitor waited for the writer"
        );
    });
}

/// A unit value: every thread's instance has the same (dangling, aligned) address.
struct Unit;
thread_scoped!(UNITS: Unit = "units", || Unit);

/// The reset cycle of `a_reset_cycle_between_two_visitors_...` with a zero-sized value:
/// the two instances share an address, yet the cycle is still seen (not a hang).
#[test]
fn a_reset_cycle_over_zero_sized_instances_is_reported_not_a_hang() {
    crate::test_support::within_timeout(|| {
        let both_pinned = Arc::new(Barrier::new(2));
        let (first_built, built) = mpsc::channel();
        let (outcomes, results) = mpsc::channel();
        let spawn = |act_on: usize, after: Option<mpsc::Receiver<()>>| {
            let (both_pinned, outcomes, first_built) =
                (both_pinned.clone(), outcomes.clone(), first_built.clone());
            std::thread::spawn(move || {
                if let Some(after) = after {
                    after.recv().unwrap(); // registered second
                }
                UNITS.with(|_| ());
                let _ = first_built.send(());
                both_pinned.wait(); // both built
                let mut visit = 0;
                let reset = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    UNITS.for_each(|_| {
                        visit += 1;
                        // The first-built thread acts on the second entry (the other's),
                        // the second-built on the first: each pins the other's.
                        if visit == act_on {
                            both_pinned.wait();
                            UNITS.reset();
                        }
                    });
                }));
                outcomes.send(reset.is_ok()).unwrap();
            })
        };
        let first = spawn(2, None);
        let second = spawn(1, Some(built));
        let mut seen: Vec<bool> = results.iter().take(2).collect();
        seen.sort_unstable();
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(seen, [false, true], "exactly one is told of the cycle");
    });
}

thread_scoped!(SCOPED: AtomicU64 = "scoped", || AtomicU64::new(0));

/// `std::thread::scope` threads: visited while they run; `scope` returns before their
/// thread-locals are destroyed (std joins them by their result, not the OS thread), so
/// right after it an instance may still be registered, but only until its thread ends.
#[test]
fn scoped_threads_are_visited_and_leave_the_registry_when_their_os_thread_ends() {
    crate::test_support::within_timeout(|| {
        let mut lingering = 0;
        let rounds = if cfg!(miri) { 2 } else { 50 };
        for _ in 0..rounds {
            let built = Barrier::new(5);
            std::thread::scope(|s| {
                for n in 1..=4 {
                    let built = &built;
                    s.spawn(move || {
                        SCOPED.with(|v| v.store(n, Ordering::SeqCst));
                        built.wait();
                        built.wait();
                    });
                }
                built.wait();
                let mut sum = 0;
                SCOPED.for_each(|v| sum += v.load(Ordering::SeqCst));
                assert_eq!(sum, 10);
                built.wait();
            });
            let mut left = 0;
            SCOPED.for_each(|_| left += 1);
            lingering += left;
            // Bounded: the OS threads end soon after `scope` returned.
            let mut waited = 0;
            while left > 0 && waited < 2000 {
                std::thread::sleep(std::time::Duration::from_millis(1));
                waited += 1;
                left = 0;
                SCOPED.for_each(|_| left += 1);
            }
            assert_eq!(left, 0, "every scoped thread's instance left at its end");
        }
        eprintln!("instances still registered right after `scope` returned: {lingering}");
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
