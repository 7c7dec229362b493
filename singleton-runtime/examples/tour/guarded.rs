//! TS-002/TS-003 (a module-level set and dict mutated from many threads), the seed-001
//! model registry (snapshot under the lock, slow build outside it), and a write
//! requested while holding the global, caught as a panic instead of a deadlock.

use std::collections::{HashMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use singleton_runtime::guarded_global;

/// TS-002: `_LOGGED_REGISTRY_PATHS: set = set()`, added to without a lock.
#[guarded_global]
static LOGGED_REGISTRY_PATHS: HashSet<String> = HashSet::new();

/// TS-003: `_AUTO_ENABLED_FEATURES_GLOBAL: Dict[str, Dict[str, Any]] = {}`.
#[guarded_global]
static AUTO_ENABLED_FEATURES: HashMap<String, HashMap<String, bool>> = HashMap::new();

/// Seed 001: the model registry, `name -> factory`.
type Factory = fn(u32) -> String;

#[guarded_global]
static MODEL_FACTORIES: HashMap<&'static str, Factory> = HashMap::new();

static LOG_LINES: AtomicUsize = AtomicUsize::new(0);

/// TS-002's fix, without a lock to forget: check-and-insert is one `write`.
fn log_registry_once(path: &str) {
    if LOGGED_REGISTRY_PATHS.write(|paths| paths.insert(path.to_owned())) {
        LOG_LINES.fetch_add(1, Ordering::SeqCst);
    }
}

fn build_model(name: &str, depth: u32) -> Option<String> {
    // Snapshot under the lock (a fn pointer is `Copy`) ...
    let factory = MODEL_FACTORIES.read(|factories| factories.get(name).copied())?;
    // ... the slow build outside it: other threads keep registering meanwhile.
    thread::sleep(Duration::from_millis(30));
    Some(factory(depth))
}

fn resnet(depth: u32) -> String {
    format!("resnet-{depth}")
}

pub(crate) fn run() {
    println!(
        "\n== #[guarded_global]: global state that changes, behind a lock you cannot forget =="
    );
    println!(
        "the bugs: a module-level set of logged paths (TS-002) and a dict of auto-enabled \
         features (TS-003) were changed by many threads, some without taking the lock beside them"
    );

    // TS-002 / TS-003: 8 threads, the same 4 registry paths and 100 features each.
    thread::scope(|s| {
        for t in 0..8 {
            s.spawn(move || {
                for i in 0..100 {
                    log_registry_once(&format!("registry-{}.yaml", i % 4));
                    AUTO_ENABLED_FEATURES.write(|families| {
                        families
                            .entry(format!("family-{}", i % 10))
                            .or_default()
                            .insert(format!("f{t}-{i}"), true);
                    });
                }
            });
        }
    });
    let paths = LOGGED_REGISTRY_PATHS.read(HashSet::len);
    let features: usize = AUTO_ENABLED_FEATURES.read(|f| f.values().map(HashMap::len).sum());
    println!(
        "  8 threads each logged 4 registry paths 100 times (check and insert in one `write`): \
         {paths} paths in the set, {} log lines, one per path",
        LOG_LINES.load(Ordering::SeqCst)
    );
    println!(
        "  8 threads each added 100 features: {features} features in the table (8 x 100), none lost"
    );

    // Seed 001: builds run in parallel, outside the lock, while registration goes on.
    MODEL_FACTORIES.write(|factories| factories.insert("resnet", resnet as Factory));
    let started = Instant::now();
    let built: Vec<String> = thread::scope(|s| {
        let builders: Vec<_> = (0..4)
            .map(|i| s.spawn(move || build_model("resnet", 18 + i)))
            .collect();
        s.spawn(|| {
            for i in 0..50 {
                let name: &'static str = Box::leak(format!("custom-{i}").into_boxed_str());
                MODEL_FACTORIES.write(|factories| factories.insert(name, resnet as Factory));
            }
        });
        builders
            .into_iter()
            .filter_map(|b| b.join().expect("builder"))
            .collect()
    });
    println!(
        "the bug (seed 001): the model registry built models while holding its lock, so every \
         other thread waited for each slow build"
    );
    println!(
        "  4 threads each built a model taking 30 ms, the factory copied out under the lock and \
         the build done outside it: {built:?} in {} ms in all (in parallel, not 4 x 30 ms); \
         another thread registered {} factories meanwhile",
        started.elapsed().as_millis(),
        MODEL_FACTORIES.read(HashMap::len) - 1
    );

    // A write while holding the global would deadlock a plain RwLock; here it panics.
    let caught = crate::quietly(|| {
        panic::catch_unwind(AssertUnwindSafe(|| {
            MODEL_FACTORIES.read(|factories| {
                if !factories.contains_key("vit") {
                    MODEL_FACTORIES.write(|f| f.insert("vit", resnet as Factory));
                }
            });
        }))
    });
    if let Err(payload) = caught {
        println!(
            "  a `write` asked for inside a `read` of the same global (a deadlock with a plain \
             RwLock) panics at once instead:\n    {}",
            crate::panic_message(&*payload)
        );
    }
    let fixed = MODEL_FACTORIES.write(|f| f.insert("vit", resnet as Factory).is_none());
    println!("  the fix, check-and-insert in one `write`: inserted = {fixed}");
}
