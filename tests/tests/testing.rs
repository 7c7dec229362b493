//! The `testing` feature beyond parallel isolation (see `overrides_parallel.rs`):
//! resets under concurrent readers, nesting, panics, threads, and each macro's reset.

mod support;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

use singleton_runtime::testing::Overrides;
use singleton_runtime::{InitOnce, guarded_global, init_once, invalidating_cache, singleton};
use support::{DEADLOCK_TIMEOUT, catch_panic, within};

// ---------------------------------------------------------------------------------
// Resets under concurrent access.

static GENERATIONS: AtomicUsize = AtomicUsize::new(0);

/// One generation: its number, repeated, so that a torn or freed value shows.
#[singleton(init = Generation::build)]
struct Generation {
    number: usize,
    copies: Vec<usize>,
}

impl Generation {
    fn build() -> Self {
        let number = GENERATIONS.fetch_add(1, SeqCst);
        Generation {
            number,
            copies: vec![number; 16],
        }
    }
}

#[test]
fn eight_readers_against_a_thousand_resets_keep_every_reference() {
    const RESETS: usize = 1000;
    within("resets", DEADLOCK_TIMEOUT * 3, || {
        let first = Generation::instance().number;
        let done = AtomicBool::new(false);
        // One past the newest generation a reader has taken a reference to (0: none):
        // the resetter waits for it before the next reset, so readers hold every
        // generation but the last.
        let taken = AtomicUsize::new(0);
        let (kept, mut built) = std::thread::scope(|s| {
            let readers: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let mut kept: Vec<&'static Generation> = Vec::new();
                        while !done.load(SeqCst) {
                            let now = Generation::instance();
                            if kept.last().is_none_or(|last| !std::ptr::eq(*last, now)) {
                                kept.push(now);
                                taken.fetch_max(now.number + 1, SeqCst);
                            }
                            std::thread::yield_now();
                        }
                        kept
                    })
                })
                .collect();
            let mut built = vec![first];
            for _ in 0..RESETS {
                while taken.load(SeqCst) <= *built.last().unwrap() {
                    std::thread::yield_now();
                }
                Generation::reset_instance();
                built.push(Generation::instance().number);
            }
            done.store(true, SeqCst);
            let kept: Vec<_> = readers
                .into_iter()
                .flat_map(|r| r.join().unwrap())
                .collect();
            (kept, built)
        });
        // Each generation was initialised exactly once: one init per reset, plus the first.
        assert_eq!(GENERATIONS.load(SeqCst), first + RESETS + 1);
        built.dedup();
        assert_eq!(
            built.len(),
            RESETS + 1,
            "the resetter saw a new generation each time"
        );
        let mut numbers: Vec<usize> = kept.iter().map(|g| g.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        // Readers hold a reference to every generation (the last one they may have missed).
        assert!(
            numbers.len() >= RESETS,
            "readers held {} generations",
            numbers.len()
        );
        for generation in kept {
            // Still readable after every reset, and whole.
            assert_eq!(generation.copies, vec![generation.number; 16]);
        }
    });
}

#[guarded_global]
static JOURNAL: Vec<u32> = vec![0; 8];

#[test]
fn a_guarded_reset_under_readers_is_atomic() {
    within("guarded reset", DEADLOCK_TIMEOUT, || {
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    while !done.load(SeqCst) {
                        // Either the rebuilt value or a fully written one: never torn.
                        JOURNAL.read(|j| assert!(j.len() == 8 && j.iter().all(|x| *x == j[0])));
                    }
                });
            }
            for round in 1..=200 {
                JOURNAL.write(|j| j.iter_mut().for_each(|x| *x = round));
                JOURNAL.reset();
            }
            done.store(true, SeqCst);
        });
        assert_eq!(JOURNAL.read(Vec::clone), [0; 8]);
    });
}

// ---------------------------------------------------------------------------------
// Each macro's reset.

static COUNTER_INITS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
fn counter() -> usize {
    COUNTER_INITS.fetch_add(1, SeqCst)
}

#[test]
fn a_fn_singleton_reset_runs_the_body_again_and_keeps_old_references() {
    let old = counter();
    counter::reset();
    let new = counter();
    assert_eq!(*new, *old + 1);
    assert_eq!(
        *new + 1,
        COUNTER_INITS.load(SeqCst),
        "one init per generation"
    );
    assert_eq!(
        *old + 1,
        *new,
        "the old reference still reads the old value"
    );
}

static LOADS: AtomicUsize = AtomicUsize::new(0);
// singleton-audit: allow(test instrumentation: whether the loader fails)
static FAIL: Mutex<bool> = Mutex::new(false);

#[invalidating_cache(path = "Cargo.toml")]
fn loads(_path: &Path) -> Result<usize, String> {
    if *FAIL.lock().unwrap() {
        return Err("told to fail".to_owned());
    }
    Ok(LOADS.fetch_add(1, SeqCst))
}

#[test]
fn a_cache_reset_forgets_value_errors_and_statistics() {
    *FAIL.lock().unwrap() = true;
    assert!(loads().is_err());
    assert!(loads::last_error().is_some());
    loads::reset();
    assert!(loads::last_error().is_none());
    *FAIL.lock().unwrap() = false;
    let first = *loads().unwrap();
    assert_eq!(loads::generation(), 1);
    loads::reset();
    assert_eq!((loads::generation(), loads::cache().peek()), (0, None));
    assert_eq!(
        *loads().unwrap(),
        first + 1,
        "loaded again, as the first call did"
    );
}

// singleton-audit: allow(test instrumentation: the seeds the bodies saw)
static SEEDS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

#[init_once(reset = reset_seed)]
fn seed(value: u64) {
    SEEDS.lock().unwrap().push(value);
}

struct Engine;

impl Engine {
    #[init_once(reset = reset_start)]
    fn start(workers: usize) -> usize {
        workers
    }
}

#[test]
fn an_init_once_fn_with_a_reset_fn_runs_again_after_it() {
    seed(1).unwrap();
    assert!(seed(2).is_err());
    reset_seed();
    seed(3).unwrap();
    assert_eq!(*SEEDS.lock().unwrap(), [1, 3]);

    assert_eq!(Engine::start(2), Ok(2));
    Engine::reset_start();
    assert_eq!(Engine::start(4), Ok(4), "associated fns too");
    assert!(Engine::start(5).is_err());
}

// One `macro_rules` invocation writing the same associated `#[init_once]` fn for two
// types: both expansions sit at one place, in one module, under one name. Before, they
// shared one reset id, and `First::reset_setup()` reset `Second::setup` instead.
struct First;
struct Second;

macro_rules! setups {
    ($($t:ident),*) => {
        $(
            impl $t {
                #[init_once(reset = reset_setup)]
                fn setup() -> &'static str {
                    stringify!($t)
                }
            }
        )*
    };
}

setups!(First, Second);

#[test]
fn init_once_fns_from_one_macro_rules_invocation_reset_each_their_own() {
    assert_eq!(Second::setup(), Ok("Second"));
    assert_eq!(First::setup(), Ok("First"));
    First::reset_setup();
    assert_eq!(
        First::setup(),
        Ok("First"),
        "First was reset: its body runs again"
    );
    assert!(Second::setup().is_err(), "Second was not reset");
    Second::reset_setup();
    assert_eq!(Second::setup(), Ok("Second"));
    assert!(First::setup().is_err());
}

#[init_once(state = CALIBRATION)]
fn calibrate(offset: i32) -> i32 {
    offset
}

#[test]
fn an_init_once_state_const_resets() {
    assert_eq!(calibrate(1), Ok(1));
    assert!(CALIBRATION.is_done());
    CALIBRATION.reset();
    assert!(!CALIBRATION.is_done());
    assert_eq!(calibrate(2), Ok(2), "ran again after the reset");
    assert!(calibrate(3).is_err());
}

#[test]
fn an_init_once_reset_runs_the_body_again() {
    static SETUP: InitOnce = InitOnce::new("setup");
    assert_eq!(SETUP.call_here(|| 1), Ok(1));
    assert!(SETUP.call_here(|| 2).is_err());
    SETUP.reset();
    assert_eq!(SETUP.call_here(|| 3), Ok(3));
}

// ---------------------------------------------------------------------------------
// Overrides: nesting, panics, guards, threads.

#[singleton]
#[derive(Debug, PartialEq)]
struct Mode(&'static str);

impl Default for Mode {
    fn default() -> Self {
        Mode("production")
    }
}

#[test]
fn nested_overrides_restore_in_reverse_order() {
    let outer = Mode::override_instance_guard(Mode("outer"));
    Mode::override_instance(Mode("middle"), || {
        let inner = Mode::override_instance_guard(Mode("inner"));
        assert_eq!(Mode::instance().0, "inner");
        drop(inner);
        assert_eq!(Mode::instance().0, "middle");
    });
    assert_eq!(Mode::instance().0, "outer");
    drop(outer);
    assert_eq!(Mode::instance().0, "production");
}

#[test]
fn an_override_ends_when_its_closure_panics() {
    let message = catch_panic(|| {
        Mode::override_instance(Mode("doomed"), || {
            assert_eq!(Mode::instance().0, "doomed");
            panic!("the test body failed");
        })
    });
    assert_eq!(message, "the test body failed");
    assert_eq!(Mode::instance().0, "production");
}

#[test]
fn an_override_outlives_nothing_it_handed_out() {
    let escaped: &'static Mode = Mode::override_instance(Mode("escaped"), Mode::instance);
    assert_eq!(
        escaped.0, "escaped",
        "the overriding value is kept, not freed"
    );
}

#[test]
fn dropping_guards_out_of_order_panics_naming_the_rule() {
    let outer = Mode::override_instance_guard(Mode("outer"));
    let inner = Mode::override_instance_guard(Mode("inner"));
    let message = catch_panic(move || drop(outer));
    assert!(message.contains("drop the inner guard first"), "{message}");
    assert_eq!(Mode::instance().0, "inner");
    drop(inner);
    assert_eq!(Mode::instance().0, "production");
}

#[singleton]
fn port() -> Result<u16, std::num::ParseIntError> {
    "80".parse()
}

#[test]
fn a_fallible_singleton_override_is_ok() {
    port::override_with(8080, || assert_eq!(port(), Ok(&8080)));
    assert_eq!(port(), Ok(&80));
}

#[guarded_global]
static QUEUE: Vec<&'static str> = Vec::new();

#[guarded_global]
static TOTALS: Vec<u64> = vec![0; 4];

#[test]
fn a_guarded_override_is_a_global_of_its_own_poison_included() {
    TOTALS.override_with(vec![7; 4], || {
        let _ = std::panic::catch_unwind(|| TOTALS.write(|_| panic!("poisons the override")));
        assert!(TOTALS.is_poisoned());
        TOTALS.recover(Vec::clear);
        assert!(!TOTALS.is_poisoned());
        assert!(TOTALS.read(Vec::is_empty));
    });
    assert!(!TOTALS.is_poisoned(), "the real global was never poisoned");
    assert_eq!(TOTALS.read(Vec::clone), [0; 4]);
}

#[test]
fn threads_inherit_overrides_only_when_asked() {
    let _queue = QUEUE.override_guard(vec!["fixture"]);
    let _mode = Mode::override_instance_guard(Mode("test"));
    let spawned = std::thread::spawn(|| (Mode::instance().0, QUEUE.read(Vec::len)));
    assert_eq!(spawned.join().unwrap(), ("production", 0));
    let overrides = Overrides::capture();
    let carried = std::thread::spawn(move || {
        let _entered = overrides.enter();
        QUEUE.write(|q| q.push("from the spawned thread"));
        Mode::instance().0
    });
    assert_eq!(carried.join().unwrap(), "test");
    assert_eq!(
        QUEUE.read(Vec::clone),
        ["fixture", "from the spawned thread"]
    );
}

#[test]
fn an_overridden_singleton_is_never_built() {
    static BUILT: AtomicUsize = AtomicUsize::new(0);
    #[singleton]
    fn expensive() -> String {
        BUILT.fetch_add(1, SeqCst);
        "built".to_owned()
    }
    expensive::override_with("stand-in".to_owned(), || {
        assert_eq!(expensive(), "stand-in");
    });
    assert_eq!(BUILT.load(SeqCst), 0);
}

// A singleton struct with methods of its own named like the test tools: they do not
// clash with the generated ones, which are named after `instance()` (before, E0592:
// "duplicate definitions with name `reset`", also without the `testing` feature).
#[singleton]
#[derive(Default)]
struct FailureTracker {
    failures: std::sync::atomic::AtomicUsize,
}

impl FailureTracker {
    /// Seed 004's `reset_failure_tracker()`, as a method of the tracker itself.
    fn reset(&self) {
        self.failures.store(0, std::sync::atomic::Ordering::SeqCst);
    }

    fn override_with(&self, failures: usize) {
        self.failures
            .store(failures, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn a_singleton_struct_keeps_its_own_reset_and_override_with_methods() {
    let tracker = FailureTracker::instance();
    tracker.override_with(3);
    assert_eq!(
        tracker.failures.load(std::sync::atomic::Ordering::SeqCst),
        3
    );
    tracker.reset();
    assert_eq!(
        tracker.failures.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    FailureTracker::override_instance(FailureTracker::default(), || {
        assert!(!std::ptr::eq(FailureTracker::instance(), tracker));
    });
    FailureTracker::reset_instance();
    assert!(!std::ptr::eq(FailureTracker::instance(), tracker));
}
