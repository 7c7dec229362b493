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
fn set_global_determinism(seed: u64, threads: usize) -> u64 {
    seed ^ threads as u64
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

/// The message of a caught panic.
fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map_or("<non-string panic>", String::as_str)
}

pub fn run() {
    println!("== #[singleton] and #[init_once] ==");

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
    addresses.dedup();
    println!(
        "TS-001/TS-004: {threads} threads raced first access to FeatureRegistry::instance(): \
         {} initialisation(s), {} distinct address(es), {} features",
        REGISTRY_BUILDS.load(Ordering::SeqCst),
        addresses.len(),
        FeatureRegistry::instance().features.len(),
    );

    match set_global_determinism(42, 1) {
        Ok(state) => println!("TS-008: set_global_determinism(42, 1) ran once -> {state}"),
        Err(e) => println!("TS-008: unexpected: {e}"),
    }
    match set_global_determinism(7, 8) {
        Ok(_) => println!("TS-008: unexpected: the second call ran"),
        Err(e) => println!("TS-008: second call refused: {e}"),
    }

    // A cycle panics with the chain instead of hanging; silence the default hook so the
    // tour prints only the messages.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(|| model_registry().len()) {
        Ok(n) => println!("reentrancy: unexpected: initialised with {n} models"),
        Err(payload) => println!("reentrancy: caught panic: {}", message(&*payload)),
    }
    let spawn = |name: &str, init: fn() -> &'static u32| {
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(init)
            .unwrap()
    };
    let threads = [spawn("init-left", left), spawn("init-right", right)];
    for handle in threads {
        match handle.join() {
            Ok(v) => println!("cross-thread cycle: unexpected: initialised to {v}"),
            Err(payload) => println!("cross-thread cycle: caught panic: {}", message(&*payload)),
        }
    }
    std::panic::set_hook(hook);
}
