//! `env::with_vars`: nesting, LIFO restore on return and on panic, byte-identical
//! restore, serialisation across threads, and the stress test (8 threads x 1,000
//! nested and panicking scopes). Each runs in a child process: the environment is
//! process-global, and these children are the only code changing it.

use std::ffi::{OsStr, OsString};
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use singleton_runtime::env::{var_os_locked, with_var, with_var_unset, with_vars};

use crate::harness::{Case, run_child, snapshot};

pub(crate) const CASES: &[Case] = &[
    (
        "scoped::nested_scopes_restore_in_lifo_order_byte_for_byte",
        basics,
    ),
    (
        "scoped::stress_8_threads_x_1000_nested_and_panicking_scopes",
        stress,
    ),
    (
        "scoped::with_singletons_and_guarded_globals_nothing_hangs",
        interactions,
    ),
    (
        "scoped::a_scope_waiting_for_an_initialiser_that_reads_under_the_lock_is_reported",
        cycle_with_a_singleton,
    ),
];

pub(crate) const CHILDREN: &[Case] = &[
    ("scoped-basics", child_basics),
    ("scoped-stress", child_stress),
    ("scoped-interactions", child_interactions),
    ("scoped-cycle", child_cycle_with_a_singleton),
];

/// Set to "baseline" by the parent.
const SHARED: &str = "SINGLETON_TEST_SCOPED_SHARED";
/// Set by the parent to a value that is not UTF-8 (on Unix).
const BYTES: &str = "SINGLETON_TEST_SCOPED_BYTES";
/// Not set when a child starts.
const ABSENT: &str = "SINGLETON_TEST_SCOPED_ABSENT";
/// Not set when a child starts; only nested scopes set it.
const NEW: &str = "SINGLETON_TEST_SCOPED_NEW";

/// A value ending in a byte that is not UTF-8 on Unix (plain text elsewhere).
fn raw(text: &str) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(0xff);
        OsString::from_vec(bytes)
    }
    #[cfg(not(unix))]
    {
        OsString::from(text)
    }
}

fn run_scoped_child(role: &str, limit: Duration) -> crate::harness::ChildRun {
    let bytes = raw("baseline");
    let run = run_child(
        role,
        &[
            (SHARED, Some(OsStr::new("baseline"))),
            (BYTES, Some(&bytes)),
            (ABSENT, None),
            (NEW, None),
        ],
        limit,
    );
    run.assert_success();
    run
}

fn basics() {
    let run = run_scoped_child("scoped-basics", Duration::from_secs(20));
    assert_eq!(run.value("basics"), "done");
}

fn stress() {
    let run = run_scoped_child("scoped-stress", Duration::from_mins(2));
    // Expected counts follow from the loop in `stress_thread`; the child checks them
    // too. Printed for the record.
    println!("    {}", run.value("stress"));
}

fn locked(name: &str) -> Option<OsString> {
    var_os_locked(name)
}

fn os(text: &str) -> OsString {
    text.into()
}

/// The payload of the panics these tests raise on purpose; any other panic is a failure.
struct Planned;

/// Runs `f`, returns whether it panicked with [`Planned`]; passes any other panic on.
fn planned_panic(f: impl FnOnce()) -> bool {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => false,
        Err(payload) if payload.is::<Planned>() => true,
        Err(payload) => resume_unwind(payload),
    }
}

/// Keeps [`Planned`] panics quiet (8,000 of them would flood stderr).
fn quiet_planned_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.payload().is::<Planned>() {
            default(info);
        }
    }));
}

/// Whether thread A of `child_basics` is inside its scope.
static A_INSIDE: AtomicBool = AtomicBool::new(false);

fn child_basics() {
    quiet_planned_panics();
    let before = snapshot();
    assert_eq!(locked(ABSENT), None);

    // Nesting on one thread, LIFO restore, a repeated name in one call, and variables
    // that did not exist removed again.
    // SAFETY: (all `unsafe` blocks in this fn) this child's other threads use only
    // `std::env` and `singleton_runtime::env`, and no C code reads the environment.
    unsafe {
        with_vars(
            &[(SHARED, Some(os("outer"))), (ABSENT, Some(os("outer")))],
            || {
                assert_eq!(locked(SHARED), Some(os("outer")));
                with_vars(
                    &[
                        (SHARED, Some(os("first"))),
                        (SHARED, Some(os("second"))),
                        (BYTES, None),
                    ],
                    || {
                        assert_eq!(locked(SHARED), Some(os("second")));
                        assert_eq!(locked(BYTES), None);
                        assert_eq!(locked(ABSENT), Some(os("outer")));
                    },
                );
                assert_eq!(locked(SHARED), Some(os("outer")));
                assert_eq!(locked(BYTES), Some(raw("baseline")));
            },
        );
    }
    assert_eq!(snapshot(), before);

    // A panic in the closure: restored, and the panic comes out unchanged.
    // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
    let panicked = planned_panic(|| unsafe {
        with_var(NEW, Some(raw("during panic")), || {
            assert_eq!(locked(NEW), Some(raw("during panic")));
            panic_any(Planned);
        });
    });
    assert!(panicked);
    assert_eq!(snapshot(), before);

    // A name the platform cannot store: a panic before anything is changed, and the
    // lock is free afterwards (another thread gets in).
    let bad =
        // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
        catch_unwind(|| unsafe { with_vars(&[(NEW, Some("x")), ("BAD=NAME", Some("y"))], || ()) });
    let message = crate::support::panic_message(&*bad.unwrap_err());
    assert!(
        message.contains("\"BAD=NAME\" is empty or contains `=` or NUL"),
        "{message}"
    );
    assert_eq!(snapshot(), before);
    // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
    std::thread::spawn(|| unsafe { with_var_unset(SHARED, || assert_eq!(locked(SHARED), None)) })
        .join()
        .unwrap();

    // Two threads: B's scope cannot begin while A's is open, and A never sees B's value.
    let (a_entered, b_may_start) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
        s.spawn(move || unsafe {
            with_var(SHARED, Some("a"), || {
                A_INSIDE.store(true, SeqCst);
                a_entered.send(()).unwrap();
                // Give B time to reach its `with_var` and wait; the checks below hold
                // however long this is.
                std::thread::sleep(Duration::from_millis(50));
                assert_eq!(locked(SHARED), Some(os("a")));
                A_INSIDE.store(false, SeqCst);
            });
        });
        // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
        s.spawn(move || unsafe {
            b_may_start.recv().unwrap();
            with_var(SHARED, Some("b"), || {
                assert!(!A_INSIDE.load(SeqCst), "B entered while A's scope was open");
                assert_eq!(locked(SHARED), Some(os("b")));
            });
        });
    });
    assert_eq!(snapshot(), before);
    println!("basics=done");
}

const THREADS: usize = 8;
const ITERATIONS: usize = 1_000;

/// Scopes opened, planned panics caught, and locked reads, over all threads.
static SCOPES: AtomicUsize = AtomicUsize::new(0);
static PANICS: AtomicUsize = AtomicUsize::new(0);
static READS: AtomicUsize = AtomicUsize::new(0);

/// Reads `name` under the lock and checks it is `expected`; counts the read.
fn expect(name: &str, expected: Option<&OsStr>, context: &str) {
    READS.fetch_add(1, SeqCst);
    assert_eq!(locked(name).as_deref(), expected, "{name} {context}");
}

/// One thread of the stress test: `ITERATIONS` times, an outer scope (3 variables, one
/// of them not set before), a nested scope (a repeated name, a removal, a new
/// variable), and a third level removing a variable; each level panics on some
/// iterations. Every read inside a scope must be this thread's own value, every read
/// between scopes the baseline: never another thread's.
fn stress_thread(t: usize) {
    let baseline_bytes = raw("baseline");
    for i in 0..ITERATIONS {
        let (outer_shared, outer_bytes, outer_absent) = (
            raw(&format!("t{t} i{i} outer")),
            raw(&format!("t{t} i{i} bytes")),
            format!("t{t} i{i} absent"),
        );
        let (inner_shared, inner_new) = (
            raw(&format!("t{t} i{i} inner")),
            raw(&format!("t{t} i{i} new")),
        );
        let outer_panicked = planned_panic(|| unsafe {
            // SAFETY: the other threads of this child use only this module and
            // `std::env`; no C code reads the environment.
            with_vars(
                &[
                    (SHARED, Some(&outer_shared)),
                    (BYTES, Some(&outer_bytes)),
                    (ABSENT, Some(&outer_absent.clone().into())),
                ],
                || {
                    SCOPES.fetch_add(1, SeqCst);
                    let outer = |context: &str| {
                        expect(SHARED, Some(&outer_shared), context);
                        expect(BYTES, Some(&outer_bytes), context);
                        expect(ABSENT, Some(OsStr::new(&outer_absent)), context);
                        expect(NEW, None, context);
                    };
                    outer("in the outer scope");
                    let inner_panicked = planned_panic(|| {
                        with_vars(
                            &[
                                (SHARED, Some(raw("overwritten in the same call"))),
                                (SHARED, Some(inner_shared.clone())),
                                (BYTES, None),
                                (NEW, Some(inner_new.clone())),
                            ],
                            || {
                                SCOPES.fetch_add(1, SeqCst);
                                expect(SHARED, Some(&inner_shared), "in the inner scope");
                                expect(BYTES, None, "in the inner scope");
                                expect(NEW, Some(&inner_new), "in the inner scope");
                                expect(
                                    ABSENT,
                                    Some(OsStr::new(&outer_absent)),
                                    "in the inner scope",
                                );
                                let third_panicked = planned_panic(|| {
                                    with_var_unset(ABSENT, || {
                                        SCOPES.fetch_add(1, SeqCst);
                                        expect(ABSENT, None, "in the third scope");
                                        expect(SHARED, Some(&inner_shared), "in the third scope");
                                        if i % 7 == 3 {
                                            panic_any(Planned);
                                        }
                                    });
                                });
                                if third_panicked {
                                    PANICS.fetch_add(1, SeqCst);
                                }
                                expect(
                                    ABSENT,
                                    Some(OsStr::new(&outer_absent)),
                                    "after the third scope",
                                );
                                if i % 3 == 0 {
                                    panic_any(Planned);
                                }
                            },
                        );
                    });
                    if inner_panicked {
                        PANICS.fetch_add(1, SeqCst);
                    }
                    outer("after the inner scope");
                    if i % 5 == 0 {
                        panic_any(Planned);
                    }
                },
            );
        });
        if outer_panicked {
            PANICS.fetch_add(1, SeqCst);
        }
        // Outside any scope of this thread: the baseline, whatever the others do.
        expect(SHARED, Some(OsStr::new("baseline")), "between scopes");
        expect(BYTES, Some(&baseline_bytes), "between scopes");
        expect(ABSENT, None, "between scopes");
        expect(NEW, None, "between scopes");
    }
}

fn child_stress() {
    quiet_planned_panics();
    let before = snapshot();
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|t| s.spawn(move || stress_thread(t)))
            .collect();
        for thread in threads {
            if let Err(payload) = thread.join() {
                resume_unwind(payload);
            }
        }
    });
    assert_eq!(
        snapshot(),
        before,
        "the environment is not byte-identical after the stress test"
    );
    let per_thread_panics = (0..ITERATIONS)
        .map(|i| usize::from(i % 7 == 3) + usize::from(i % 3 == 0) + usize::from(i % 5 == 0))
        .sum::<usize>();
    let (scopes, panics, reads) = (SCOPES.load(SeqCst), PANICS.load(SeqCst), READS.load(SeqCst));
    assert_eq!(scopes, THREADS * ITERATIONS * 3);
    assert_eq!(panics, THREADS * per_thread_panics);
    println!(
        "stress={THREADS} threads x {ITERATIONS} iterations: {scopes} scopes opened (3 nested \
         levels each), {panics} of them left by a panic, {reads} locked reads each seeing its \
         own scope's value (or the baseline between scopes); environment byte-identical \
         afterwards ({} variables compared)",
        before.len()
    );
}

fn interactions() {
    let run = run_scoped_child("scoped-interactions", Duration::from_secs(20));
    assert_eq!(run.value("interactions"), "done");
}

/// Lets thread A open its scope before thread B's initialiser reads the variable.
static A_IN_SCOPE: std::sync::Barrier = std::sync::Barrier::new(2);

/// A read-once setting whose initialiser (run by thread B) reads with `env::var_or`,
/// as the docs advise: it does not take the scope lock, so a scope on thread A that
/// waits for this singleton does not hang (with `var_os_locked` here it would).
#[singleton_runtime::singleton]
fn setting_read_by_b() -> String {
    A_IN_SCOPE.wait();
    singleton_runtime::env::var_or(SHARED, String::new()).expect("UTF-8")
}

/// Initialised inside a scope on the thread that opens it, and itself opening a nested
/// scope and reading under the lock: the lock is reentrant, nothing waits.
#[singleton_runtime::singleton]
fn setting_read_in_scope() -> Option<OsString> {
    // SAFETY: see `child_interactions`.
    unsafe { with_var(NEW, Some("nested in init"), || locked(NEW)) }
}

#[singleton_runtime::guarded_global]
static LOG: Vec<Option<OsString>> = Vec::new();

fn child_interactions() {
    let before = snapshot();
    // SAFETY: (all `unsafe` blocks in this fn) this child's other threads use only
    // `std::env` and `singleton_runtime::env`, and no C code reads the environment.
    std::thread::scope(|s| {
        let b = s.spawn(setting_read_by_b);
        // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
        let a = s.spawn(|| unsafe {
            with_var(SHARED, Some("a"), || {
                A_IN_SCOPE.wait();
                // Waits for B's initialiser, which reads without the lock: no hang. It
                // sees A's value, as the docs of `var`/`var_or` say (the environment is
                // process-wide; only `var_os_locked` waits for scopes to end).
                setting_read_by_b().clone()
            })
        });
        assert_eq!(a.join().unwrap(), "a");
        assert_eq!(b.join().unwrap(), "a");
    });

    // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
    let seen = unsafe { with_var(NEW, Some("outer"), setting_read_in_scope) };
    assert_eq!(seen.as_deref(), Some(OsStr::new("nested in init")));

    // A scope inside a guarded global's write, and a write inside a scope, one thread.
    // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
    LOG.write(|log| unsafe {
        with_var(NEW, Some("in write"), || log.push(locked(NEW)));
    });
    // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
    unsafe {
        with_var(NEW, Some("in scope"), || {
            LOG.write(|log| log.push(locked(NEW)));
        });
    }
    assert_eq!(
        LOG.read(Clone::clone),
        [Some(os("in write")), Some(os("in scope"))]
    );
    assert_eq!(snapshot(), before);
    println!("interactions=done");
}

/// Thread A opens a scope and waits for a singleton; thread B runs its initialiser,
/// which reads under the scope lock. Each waits for the other: before the lock was in
/// the wait-for graph this hung (the child was killed at its time limit); now the
/// thread that closes the cycle panics naming both, and the other goes on.
fn cycle_with_a_singleton() {
    let run = run_scoped_child("scoped-cycle", Duration::from_secs(20));
    let report = run.value("cycle");
    assert!(report.contains("wait cycle"), "{report}");
    assert!(
        report.contains("`read_under_lock_by_b` (singleton)"),
        "{report}"
    );
    assert!(report.contains("the environment"), "{report}");
}

/// Lets thread A open its scope before thread B's initialiser takes the lock.
static A_IN_SCOPE_FOR_CYCLE: std::sync::Barrier = std::sync::Barrier::new(2);

/// Whether an initialiser of `read_under_lock_by_b` has started (only the first, on
/// B, meets A at the barrier; after B's panic, A builds it itself, in its scope).
// singleton-audit: allow(test instrumentation: the first initialiser meets the other thread)
static B_STARTED: AtomicBool = AtomicBool::new(false);

#[singleton_runtime::singleton]
fn read_under_lock_by_b() -> Option<OsString> {
    if !B_STARTED.swap(true, SeqCst) {
        A_IN_SCOPE_FOR_CYCLE.wait();
        // A is now in its scope and about to wait for this singleton: give it time to.
        std::thread::sleep(Duration::from_millis(100));
    }
    locked(SHARED)
}

fn child_cycle_with_a_singleton() {
    let before = snapshot();
    let outcomes: Vec<std::thread::Result<Option<OsString>>> = std::thread::scope(|s| {
        let b = s.spawn(|| catch_unwind(|| read_under_lock_by_b().clone()));
        // SAFETY: this child's other thread uses only `std::env` and
        // `singleton_runtime::env`, and no C code reads the environment.
        let a = s.spawn(|| {
            // SAFETY: as at the top of this fn: only `std::env` and this crate touch the environment.
            catch_unwind(|| unsafe {
                with_var(SHARED, Some("a"), || {
                    A_IN_SCOPE_FOR_CYCLE.wait();
                    read_under_lock_by_b().clone()
                })
            })
        });
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    let reports: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().err())
        .map(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "<not a String>".to_owned())
        })
        .collect();
    assert_eq!(reports.len(), 1, "exactly one thread reports: {reports:?}");
    // The other thread goes on: A builds the singleton itself, inside its scope.
    assert_eq!(read_under_lock_by_b().as_deref(), Some(OsStr::new("a")));
    assert_eq!(snapshot(), before);
    println!("cycle={}", reports[0].replace('\n', " "));
}
