//! `#[singleton(scope = thread)]`: one instance per thread, built lazily on the
//! thread's first access, reached through closures, dropped at thread exit; a
//! self-needing initialiser panics naming it; teardown access is a named error.

mod support;

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};
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
