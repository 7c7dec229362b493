//! TS-001/TS-004 (racing lazy singleton), TS-008 (init-once setter called twice), and
//! init cycles reported instead of deadlocking.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use singleton_runtime::{init_once, singleton};

static REGISTRY_BUILDS: AtomicUsize = AtomicUsize::new(0);

/// TS-001/TS-004: Python's `if _registry is None: _registry = Registry()` raced.
#[singleton]
struct FeatureRegistry {
    features: HashMap<&'static str, bool>,
}

impl Default for FeatureRegistry {
    fn default() -> Self {
        REGISTRY_BUILDS.fetch_add(1, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(20)); // a slow build widens the race window
        Self {
            features: HashMap::from([("dark_mode", true), ("beta_search", false)]),
        }
    }
}

/// TS-008: `set_global_determinism` must run once; a second call is a bug to report.
#[init_once]
fn set_global_determinism(seed: u64, threads: usize) {
    // Seed the RNGs and size the thread pool here.
    let _ = (seed, threads);
}

#[singleton]
fn model_registry() -> Vec<String> {
    feature_table().clone()
}

#[singleton]
fn feature_table() -> Vec<String> {
    model_registry()
        .iter()
        .map(|m| format!("features of {m}"))
        .collect()
}

/// A cycle across threads: each initialiser is entered on its own thread before either
/// asks for the other (the barrier), so each thread holds one and wants the other.
static BOTH_ENTERED: Barrier = Barrier::new(2);
// singleton-audit: allow(a first-caller switch that forces the deadlock cycle being demonstrated, not shared state)
static LEFT_FIRST: AtomicBool = AtomicBool::new(true);
// singleton-audit: allow(a first-caller switch that forces the deadlock cycle being demonstrated, not shared state)
static RIGHT_FIRST: AtomicBool = AtomicBool::new(true);

#[singleton]
fn left() -> u32 {
    if LEFT_FIRST.swap(false, Ordering::SeqCst) {
        BOTH_ENTERED.wait();
    }
    *right() + 1
}

#[singleton]
fn right() -> u32 {
    if RIGHT_FIRST.swap(false, Ordering::SeqCst) {
        BOTH_ENTERED.wait();
    }
    *left() + 1
}

pub(crate) fn run() {
    println!("== #[singleton]: one instance, built on first use, from any number of threads ==");
    println!(
        "the bug (TS-001, TS-004): `if _registry is None: _registry = Registry()` run by two \
         threads at once builds two registries, and each thread keeps its own"
    );
    let threads = 16;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                std::ptr::from_ref(FeatureRegistry::instance()) as usize
            })
        })
        .collect();
    let mut addresses: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    addresses.sort_unstable();
    addresses.dedup();
    println!(
        "  {threads} threads called FeatureRegistry::instance() at the same moment (its build \
         takes 20 ms): built {} time(s); every thread got the same instance ({} distinct \
         address(es)), with its {} features",
        REGISTRY_BUILDS.load(Ordering::SeqCst),
        addresses.len(),
        FeatureRegistry::instance().features.len(),
    );

    println!("\n== #[init_once]: setup that runs exactly once ==");
    println!(
        "the bug (TS-008): `set_global_determinism(seed, threads)` seeds every RNG; a second \
         call from elsewhere silently re-seeded them in the middle of a run"
    );
    match set_global_determinism(42, 1) {
        Ok(()) => println!("  set_global_determinism(seed 42, 1 thread): ran"),
        Err(e) => println!("  unexpected: {e}"),
    }
    match set_global_determinism(7, 8) {
        Ok(()) => println!("  unexpected: the second call ran"),
        Err(e) => println!("  set_global_determinism(seed 7, 8 threads): refused: {e}"),
    }

    println!("\n== an initialiser that needs its own value: reported, never a hang ==");
    match crate::quietly(|| std::panic::catch_unwind(|| model_registry().len())) {
        Ok(n) => println!("  unexpected: initialised with {n} models"),
        Err(payload) => println!(
            "  on one thread: model_registry's initialiser needs feature_table, whose \
             initialiser needs model_registry:\n    {}",
            crate::panic_message(&*payload)
        ),
    }
    println!(
        "  across two threads: 'init-left' builds `left`, which needs `right`, while \
         'init-right' builds `right`, which needs `left`:"
    );
    let spawn = |name: &str, init: fn() -> &'static u32| {
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(init)
            .unwrap()
    };
    let outcomes: Vec<(&str, thread::Result<&u32>)> = crate::quietly(|| {
        let handles = [
            ("init-left", spawn("init-left", left)),
            ("init-right", spawn("init-right", right)),
        ];
        handles.map(|(name, h)| (name, h.join())).into()
    });
    // The thread that would close the cycle by waiting panics instead; the other, no
    // longer waiting, then builds the missing value itself, and that initialiser needs
    // the value this same thread is building: a one-thread cycle, reported too.
    let mut outcomes = outcomes;
    outcomes.sort_by_key(|(_, o)| {
        o.as_ref()
            .err()
            .is_none_or(|p| !crate::panic_message(&**p).contains("across threads"))
    });
    for (i, (name, outcome)) in outcomes.iter().enumerate() {
        match (i, outcome) {
            (_, Ok(v)) => println!("    '{name}': unexpected: initialised to {v}"),
            (0, Err(payload)) => println!(
                "    '{name}' was about to wait for the other thread, which waits for it: it \
                 panicked instead of sleeping:\n      {}",
                crate::panic_message(&**payload)
            ),
            (_, Err(payload)) => println!(
                "    '{name}', no longer waiting, built the other value itself, whose \
                 initialiser needs the one this thread is building:\n      {}",
                crate::panic_message(&**payload)
            ),
        }
    }
}
