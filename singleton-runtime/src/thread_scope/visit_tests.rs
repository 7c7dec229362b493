//! Adversarial cases of `for_each`: visitors that panic, nest or build; threads that
//! come and go during visits; resets that close a cycle with a visitor; pins in the
//! wait-for graph beside locks; `std::thread::scope` threads.

use super::{FastCell, Registry, ThreadScoped, ThreadSlot};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};

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
