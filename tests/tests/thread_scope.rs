//! `#[singleton(scope = thread)]`: one instance per thread, built lazily on the
//! thread's first access, reached through closures, dropped at thread exit; a
//! self-needing initialiser panics naming it; teardown access is a named error.

mod support;

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use singleton_runtime::{ThreadScopeError, singleton};
use support::{panic_message, within};

static SCRATCH_BUILDS: AtomicUsize = AtomicUsize::new(0);
static SCRATCH_DROPS: AtomicUsize = AtomicUsize::new(0);

/// A per-thread buffer: not `Sync`, which a process-wide singleton would reject.
pub struct Scratch {
    lines: RefCell<Vec<String>>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        SCRATCH_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

/// Seed 003's advice, "use thread-local storage instead of global mutable state".
#[singleton(scope = thread)]
fn scratch() -> Scratch {
    SCRATCH_BUILDS.fetch_add(1, Ordering::SeqCst);
    Scratch {
        lines: RefCell::new(Vec::new()),
    }
}

#[test]
fn each_thread_gets_its_own_instance_dropped_when_it_exits() {
    let lens = within("threads", Duration::from_secs(20), || {
        let handles: Vec<_> = (0..4)
            .map(|n| {
                std::thread::spawn(move || {
                    for i in 0..=n {
                        scratch::with(|s| s.lines.borrow_mut().push(format!("line {i}")));
                    }
                    scratch::with(|s| s.lines.borrow().len())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(lens, [1, 2, 3, 4]);
    assert_eq!(SCRATCH_BUILDS.load(Ordering::SeqCst), 4);
    assert_eq!(
        SCRATCH_DROPS.load(Ordering::SeqCst),
        4,
        "dropped at each thread's exit"
    );
}

/// A struct form, built with `Default`: a per-thread counter.
#[singleton(scope = thread)]
#[derive(Default)]
pub struct RequestCounter {
    served: Cell<u64>,
}

#[test]
fn the_struct_form_counts_per_thread() {
    let counts = within("struct form", Duration::from_secs(20), || {
        std::thread::scope(|s| {
            let a = s.spawn(|| {
                for _ in 0..3 {
                    RequestCounter::with_instance(|c| c.served.set(c.served.get() + 1));
                }
                RequestCounter::with_instance(|c| c.served.get())
            });
            let b = s.spawn(|| RequestCounter::try_with_instance(|c| c.served.get()));
            (a.join().unwrap(), b.join().unwrap())
        })
    });
    assert_eq!(counts, (3, Ok(0)));
}

#[singleton(scope = thread)]
fn needs_itself() -> u32 {
    needs_itself::with(|v| *v) + 1
}

#[test]
fn an_initialiser_needing_its_own_value_panics_naming_it() {
    let outcome = support::run_with_timeout("cycle", || needs_itself::with(|v| *v));
    let message = panic_message(&*outcome.unwrap_err());
    assert!(
        message.contains("thread-scoped singleton init cycle: the initialiser of `needs_itself`"),
        "{message}"
    );
}

// singleton-audit: allow(test instrumentation: what the value saw while being dropped)
static SEEN_AT_TEARDOWN: std::sync::Mutex<Option<Result<(), ThreadScopeError>>> =
    std::sync::Mutex::new(None);

/// Reaches its own singleton while being dropped at thread exit.
pub struct Noisy;

impl Drop for Noisy {
    fn drop(&mut self) {
        *SEEN_AT_TEARDOWN.lock().unwrap() = Some(noisy::try_with(|_| ()));
    }
}

#[singleton(scope = thread)]
fn noisy() -> Noisy {
    Noisy
}

#[test]
fn access_during_teardown_is_a_typed_error_naming_the_singleton() {
    within("teardown", Duration::from_secs(20), || {
        std::thread::spawn(|| noisy::with(|_| ())).join().unwrap();
    });
    let seen = SEEN_AT_TEARDOWN.lock().unwrap().take();
    let Some(Err(error)) = seen else {
        panic!("expected a teardown error, got {seen:?}")
    };
    assert_eq!(error, ThreadScopeError::Destroyed { name: "noisy" });
    assert!(
        error
            .to_string()
            .starts_with("`noisy` (a thread-scoped singleton)")
    );
}

/// Per-thread hit counters, summed by a reader: the visit's typical use.
#[singleton(scope = thread)]
fn hits() -> AtomicU64 {
    AtomicU64::new(0)
}

#[test]
fn for_each_sums_the_counters_of_every_live_thread_exactly() {
    const THREADS: usize = 6;
    let (sum, visited, left) = within("visit", Duration::from_secs(20), || {
        let counted = Arc::new(Barrier::new(THREADS + 1));
        let summed = Arc::new(Barrier::new(THREADS + 1));
        let workers: Vec<_> = (1..=THREADS)
            .map(|n| {
                let (counted, summed) = (counted.clone(), summed.clone());
                std::thread::spawn(move || {
                    for _ in 0..n * 100 {
                        hits::with(|h| h.fetch_add(1, Ordering::Relaxed));
                    }
                    counted.wait();
                    summed.wait(); // alive (and registered) until the sum is taken
                })
            })
            .collect();
        counted.wait();
        let (mut sum, mut visited) = (0, 0);
        hits::for_each(|h| {
            sum += h.load(Ordering::Relaxed);
            visited += 1;
        });
        summed.wait();
        // `join` (unlike the end of `thread::scope`) waits for the thread's
        // thread-local destructors too.
        for worker in workers {
            worker.join().unwrap();
        }
        let mut left = 0;
        hits::for_each(|_| left += 1);
        (sum, visited, left)
    });
    assert_eq!(sum, 100 * (1 + 2 + 3 + 4 + 5 + 6));
    assert_eq!(visited, THREADS);
    assert_eq!(
        left, 0,
        "each instance leaves the visit at its thread's exit"
    );
}

static SHARD_DROPS: AtomicUsize = AtomicUsize::new(0);

/// A struct form visited while its thread exits.
#[singleton(scope = thread)]
#[derive(Default)]
pub struct Shard {
    events: AtomicU64,
}

impl Drop for Shard {
    fn drop(&mut self) {
        SHARD_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_thread_exiting_during_a_visit_keeps_its_instance_until_the_visitor_is_done() {
    let (seen, dropped_during, dropped_after) =
        within("exit during visit", Duration::from_secs(20), || {
            let (go, exit) = std::sync::mpsc::channel::<()>();
            let (built, ready) = std::sync::mpsc::channel();
            let worker = std::thread::spawn(move || {
                Shard::with_instance(|s| s.events.store(17, Ordering::SeqCst));
                built.send(()).unwrap();
                exit.recv().unwrap();
            });
            ready.recv().unwrap();
            let mut seen = Vec::new();
            let mut dropped_during = None;
            Shard::for_each_instance(|s| {
                go.send(()).unwrap(); // the worker exits now
                // Give its exit every chance to drop the instance (it must not).
                std::thread::sleep(Duration::from_millis(100));
                dropped_during = Some(SHARD_DROPS.load(Ordering::SeqCst));
                seen.push(s.events.load(Ordering::SeqCst));
            });
            worker.join().unwrap();
            (seen, dropped_during, SHARD_DROPS.load(Ordering::SeqCst))
        });
    assert_eq!(seen, [17]);
    assert_eq!(dropped_during, Some(0), "not dropped while visited");
    assert_eq!(dropped_after, 1, "dropped once the visitor was done");
}

/// A per-thread setting tests replace.
#[singleton(scope = thread)]
fn retries() -> Cell<u32> {
    Cell::new(3)
}

#[test]
fn fn_form_overrides_apply_to_this_thread_and_reset_builds_again() {
    within("fn overrides", Duration::from_secs(20), || {
        retries::with(|r| r.set(4));
        retries::override_with(Cell::new(0), || {
            assert_eq!(retries::with(Cell::get), 0);
            let other = std::thread::spawn(|| retries::with(Cell::get))
                .join()
                .unwrap();
            assert_eq!(other, 3, "another thread (another test) keeps its own");
            let _guard = retries::override_guard(Cell::new(9));
            assert_eq!(retries::with(Cell::get), 9);
        });
        assert_eq!(retries::with(Cell::get), 4, "this thread's instance again");
        retries::reset();
        assert_eq!(retries::with(Cell::get), 3, "built again");
    });
}

#[test]
fn struct_form_overrides_and_reset() {
    within("struct overrides", Duration::from_secs(20), || {
        RequestCounter::with_instance(|c| c.served.set(5));
        {
            let _guard = RequestCounter::override_instance_guard(RequestCounter {
                served: Cell::new(100),
            });
            assert_eq!(RequestCounter::with_instance(|c| c.served.get()), 100);
        }
        let inside = RequestCounter::override_instance(RequestCounter::default(), || {
            RequestCounter::with_instance(|c| c.served.get())
        });
        assert_eq!(inside, 0);
        assert_eq!(RequestCounter::with_instance(|c| c.served.get()), 5);
        RequestCounter::reset_instance();
        assert_eq!(RequestCounter::with_instance(|c| c.served.get()), 0);
    });
}

#[test]
fn a_reset_inside_with_panics_naming_the_singleton() {
    let message = support::catch_panic(|| retries::with(|_| retries::reset()));
    assert!(
        message.starts_with("`retries::reset` was called inside a `with` closure of `retries`"),
        "{message}"
    );
}
