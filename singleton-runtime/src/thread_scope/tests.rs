use super::{FastCell, Registry, ThreadScopeError, ThreadScoped, ThreadSlot};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

static BUILT: AtomicUsize = AtomicUsize::new(0);

thread_scoped!(COUNTER: Cell<u32> = "counter", || {
    BUILT.fetch_add(1, Ordering::SeqCst);
    Cell::new(0)
});

#[test]
fn one_instance_per_thread_built_on_first_access() {
    crate::test_support::within_timeout(|| {
        let before = BUILT.load(Ordering::SeqCst);
        let totals: Vec<u32> = (0..3)
            .map(|n| {
                std::thread::spawn(move || {
                    for _ in 0..=n {
                        COUNTER.with(|c| c.set(c.get() + 1));
                    }
                    COUNTER.with(Cell::get)
                })
            })
            .map(|h| h.join().unwrap())
            .collect();
        assert_eq!(totals, [1, 2, 3]);
        assert_eq!(BUILT.load(Ordering::SeqCst) - before, 3);
    });
}

thread_scoped!(SELFISH: u8 = "selfish", || SELFISH.with(|v| *v + 1));

#[test]
fn an_initialiser_needing_itself_panics_naming_it() {
    let message = std::thread::spawn(|| SELFISH.with(|v| *v))
        .join()
        .unwrap_err()
        .downcast::<String>()
        .unwrap();
    assert!(
        message.starts_with("thread-scoped singleton init cycle: the initialiser of `selfish`"),
        "{message}"
    );
}

/// Tells, from its own drop at thread exit, what reaching its singleton gives.
struct Noisy(mpsc::Sender<Result<(), ThreadScopeError>>);

impl Drop for Noisy {
    fn drop(&mut self) {
        let _ = self.0.send(NOISY.try_with(|_| ()));
    }
}

// singleton-audit: allow(test instrumentation: hands the channel to the initialiser)
static TELL: std::sync::Mutex<Option<mpsc::Sender<Result<(), ThreadScopeError>>>> =
    std::sync::Mutex::new(None);

thread_scoped!(NOISY: Noisy = "noisy", || Noisy(TELL.lock().unwrap().take().unwrap()));

#[test]
fn the_value_is_dropped_at_thread_exit_and_access_then_is_a_named_error() {
    let (send, receive) = mpsc::channel();
    *TELL.lock().unwrap() = Some(send);
    std::thread::spawn(|| NOISY.with(|_| ())).join().unwrap();
    let seen = receive
        .recv_timeout(Duration::from_secs(20))
        .expect("dropped at thread exit");
    assert_eq!(seen, Err(ThreadScopeError::Destroyed { name: "noisy" }));
}

/// Counts its drops in `DROPS` under its own number.
struct Tracked(u32, &'static AtomicUsize);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

static TRACKED_DROPS: AtomicUsize = AtomicUsize::new(0);
thread_scoped!(TRACKED: Tracked = "tracked", || Tracked(0, &TRACKED_DROPS));

#[test]
fn overrides_are_per_thread_nest_in_any_order_and_drop_with_their_guard() {
    crate::test_support::within_timeout(|| {
        let drops = || TRACKED_DROPS.load(Ordering::SeqCst);
        // An override on a thread that never built: the initialiser does not run.
        let outer = TRACKED.override_guard(Tracked(1, &TRACKED_DROPS));
        assert_eq!(TRACKED.with(|t| t.0), 1);
        let inner = TRACKED.override_guard(Tracked(2, &TRACKED_DROPS));
        assert_eq!(TRACKED.with(|t| t.0), 2);
        std::thread::spawn(|| assert_eq!(TRACKED.with(|t| t.0), 0))
            .join()
            .unwrap();
        let base = drops(); // the other thread's instance is dropped at its exit
        drop(outer); // out of order: the inner one stays in force
        assert_eq!(drops(), base + 1);
        assert_eq!(TRACKED.with(|t| t.0), 2);
        drop(inner);
        assert_eq!(drops(), base + 2);
        assert_eq!(TRACKED.with(|t| t.0), 0, "built now");
        TRACKED.override_with(Tracked(3, &TRACKED_DROPS), || {
            assert_eq!(TRACKED.with(|t| t.0), 3);
        });
        assert_eq!(TRACKED.with(|t| t.0), 0, "the same instance again");
        assert_eq!(drops(), base + 3);
    });
}

// Its own singleton and count: tests run in parallel.
static KEPT_DROPS: AtomicUsize = AtomicUsize::new(0);
thread_scoped!(KEPT: Tracked = "kept", || Tracked(0, &KEPT_DROPS));

#[test]
fn a_guard_dropped_inside_with_keeps_its_value_until_the_closure_is_done() {
    crate::test_support::within_timeout(|| {
        let guard = KEPT.override_guard(Tracked(7, &KEPT_DROPS));
        KEPT.with(move |t| {
            let before = KEPT_DROPS.load(Ordering::SeqCst);
            drop(guard);
            // Miri would flag a read of a freed value here.
            assert_eq!(t.0, 7);
            assert_eq!(KEPT_DROPS.load(Ordering::SeqCst), before, "kept");
        });
        assert_eq!(KEPT.with(|t| t.0), 0);
        let before = KEPT_DROPS.load(Ordering::SeqCst);
        KEPT.reset();
        assert_eq!(
            KEPT_DROPS.load(Ordering::SeqCst),
            before + 2,
            "the retired override and the instance"
        );
    });
}

static RESET_BUILDS: AtomicUsize = AtomicUsize::new(0);
thread_scoped!(RESETTABLE: Cell<u32> = "resettable", || {
    RESET_BUILDS.fetch_add(1, Ordering::SeqCst);
    Cell::new(5)
});

#[test]
fn reset_drops_this_threads_instance_and_the_next_access_builds_again() {
    crate::test_support::within_timeout(|| {
        RESETTABLE.with(|c| c.set(9));
        let builds = RESET_BUILDS.load(Ordering::SeqCst);
        RESETTABLE.reset();
        assert_eq!(RESET_BUILDS.load(Ordering::SeqCst), builds, "lazily");
        assert_eq!(RESETTABLE.with(Cell::get), 5);
        assert_eq!(RESET_BUILDS.load(Ordering::SeqCst), builds + 1);
        let message = std::panic::catch_unwind(|| RESETTABLE.with(|_| RESETTABLE.reset()))
            .unwrap_err()
            .downcast::<String>()
            .unwrap();
        assert!(
            message.starts_with("`resettable::reset` was called inside a `with` closure"),
            "{message}"
        );
        // The borrow count came back down with the panic: a reset works again.
        RESETTABLE.with(|c| c.set(1));
        RESETTABLE.reset();
        assert_eq!(RESETTABLE.with(Cell::get), 5);
    });
}

thread_scoped!(HITS: AtomicU64 = "hits", || AtomicU64::new(0));

#[test]
fn for_each_sums_every_live_threads_instance_exactly() {
    crate::test_support::within_timeout(|| {
        const THREADS: usize = 4;
        let ready = Arc::new(Barrier::new(THREADS + 1));
        let done = Arc::new(Barrier::new(THREADS + 1));
        let handles: Vec<_> = (1..=THREADS)
            .map(|n| {
                let (ready, done) = (ready.clone(), done.clone());
                std::thread::spawn(move || {
                    for _ in 0..n * 10 {
                        HITS.with(|h| h.fetch_add(1, Ordering::Relaxed));
                    }
                    ready.wait();
                    done.wait();
                })
            })
            .collect();
        ready.wait();
        let mut sum = 0;
        let mut seen = 0;
        HITS.for_each(|h| {
            sum += h.load(Ordering::Relaxed);
            seen += 1;
        });
        done.wait();
        for handle in handles {
            handle.join().unwrap();
        }
        // Other tests of this binary never touch `HITS`.
        assert_eq!((seen, sum), (THREADS, 10 + 20 + 30 + 40));
        let mut left = 0;
        HITS.for_each(|_| left += 1);
        assert_eq!(
            left, 0,
            "every thread's instance left the registry at its exit"
        );
    });
}

static EXITED: AtomicBool = AtomicBool::new(false);

/// Sets `EXITED` when dropped.
struct Marks(u64);

impl Drop for Marks {
    fn drop(&mut self) {
        EXITED.store(true, Ordering::SeqCst);
    }
}

thread_scoped!(MARKS: Marks = "marks", || Marks(41));

#[test]
fn a_thread_exiting_during_a_visit_waits_until_the_visitor_is_done_with_its_instance() {
    crate::test_support::within_timeout(|| {
        let (go, exit) = mpsc::channel::<()>();
        let (built, ready) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            MARKS.with(|m| assert_eq!(m.0, 41));
            built.send(()).unwrap();
            exit.recv().unwrap();
        });
        ready.recv().unwrap();
        let mut visited = 0;
        MARKS.for_each(|m| {
            go.send(()).unwrap(); // the worker exits now, and withdraws its instance
            std::thread::sleep(Duration::from_millis(50));
            assert!(!EXITED.load(Ordering::SeqCst), "dropped while visited");
            assert_eq!(m.0, 41);
            visited += 1;
        });
        worker.join().unwrap();
        assert_eq!(visited, 1);
        assert!(
            EXITED.load(Ordering::SeqCst),
            "dropped at its thread's exit"
        );
    });
}

thread_scoped!(VISITED: AtomicU64 = "visited", || AtomicU64::new(3));

#[test]
fn a_reset_inside_a_visit_of_its_own_instance_panics_instead_of_waiting_for_itself() {
    crate::test_support::within_timeout(|| {
        VISITED.with(|v| v.store(4, Ordering::SeqCst));
        let message = std::panic::catch_unwind(|| VISITED.for_each(|_| VISITED.reset()))
            .unwrap_err()
            .downcast::<String>()
            .unwrap();
        assert!(
            message.starts_with("this thread's instance of `visited` was to be dropped"),
            "{message}"
        );
        // The instance survived, its pin was released: a reset now works.
        assert_eq!(VISITED.with(|v| v.load(Ordering::SeqCst)), 4);
        VISITED.reset();
        assert_eq!(VISITED.with(|v| v.load(Ordering::SeqCst)), 3);
        let mut seen = Vec::new();
        VISITED.for_each(|v| seen.push(v.load(Ordering::SeqCst)));
        assert_eq!(
            seen,
            [3],
            "the new instance only: the old one left the registry"
        );
    });
}

thread_scoped!(EAGER: u32 = "eager", || {
    // A guard that outlives the initialiser: its override must win over the value.
    std::mem::forget(EAGER.override_guard(2));
    1
});

#[test]
fn an_override_installed_by_the_initialiser_wins_over_the_value() {
    crate::test_support::within_timeout(|| assert_eq!(EAGER.with(|v| *v), 2));
}
