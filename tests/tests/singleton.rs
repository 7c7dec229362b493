//! `#[singleton]`: one instance whatever the number of threads, retries after `Err`
//! and panics, and init cycles reported instead of deadlocking.

mod support;

use std::collections::HashMap;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use singleton_runtime::singleton;
use support::{expect_panic, race, run_with_timeout};

/// Races first access from `threads` threads released together; returns the addresses.
fn race_addresses<T: Sync + 'static>(threads: usize, get: fn() -> &'static T) -> Vec<usize> {
    race(threads, |_| std::ptr::from_ref(get()) as usize)
}

static REGISTRY_INITS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
struct FeatureRegistry {
    features: HashMap<String, u32>,
}

impl Default for FeatureRegistry {
    fn default() -> Self {
        REGISTRY_INITS.fetch_add(1, Ordering::SeqCst);
        // Widen the window in which other threads arrive while this one initialises.
        thread::sleep(Duration::from_millis(50));
        Self {
            features: HashMap::from([("dark_mode".to_owned(), 1)]),
        }
    }
}

#[test]
fn struct_form_16_threads_one_init_one_address() {
    let addresses =
        run_with_timeout("race", || race_addresses(16, FeatureRegistry::instance)).unwrap();
    assert_eq!(REGISTRY_INITS.load(Ordering::SeqCst), 1);
    assert!(
        addresses.iter().all(|a| *a == addresses[0]),
        "{addresses:?}"
    );
    assert_eq!(FeatureRegistry::instance().features["dark_mode"], 1);
}

static MODEL_INITS: AtomicUsize = AtomicUsize::new(0);

struct ModelRegistry {
    models: Vec<&'static str>,
}

/// The model registry, loaded once.
#[singleton]
fn model_registry() -> ModelRegistry {
    MODEL_INITS.fetch_add(1, Ordering::SeqCst);
    thread::sleep(Duration::from_millis(50));
    ModelRegistry {
        models: vec!["resnet", "bert"],
    }
}

#[test]
fn fn_form_16_threads_one_init_one_address() {
    let addresses = run_with_timeout("race", || race_addresses(16, model_registry)).unwrap();
    assert_eq!(MODEL_INITS.load(Ordering::SeqCst), 1);
    assert!(
        addresses.iter().all(|a| *a == addresses[0]),
        "{addresses:?}"
    );
    assert_eq!(model_registry().models, ["resnet", "bert"]);
}

static CONFIG_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
fn flaky_config() -> Result<Vec<u8>, String> {
    let attempt = CONFIG_ATTEMPTS.fetch_add(1, Ordering::SeqCst) + 1;
    if attempt == 1 {
        return Err(format!("attempt {attempt}: config server unavailable"));
    }
    Ok(vec![1, 2, 3])
}

#[test]
fn err_stores_nothing_and_the_next_call_retries() {
    assert_eq!(
        flaky_config(),
        Err("attempt 1: config server unavailable".to_owned())
    );
    let first: &'static Vec<u8> = flaky_config().unwrap();
    let again = flaky_config().unwrap();
    assert_eq!(first, &[1, 2, 3]);
    assert!(std::ptr::eq(first, again));
    assert_eq!(CONFIG_ATTEMPTS.load(Ordering::SeqCst), 2);
}

static PANICKY_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
fn panicky() -> String {
    assert!(
        PANICKY_ATTEMPTS.fetch_add(1, Ordering::SeqCst) > 0,
        "first initialiser fails"
    );
    "second attempt".to_owned()
}

#[test]
fn panic_stores_nothing_and_the_next_call_retries() {
    let message = expect_panic("first call", panicky);
    assert!(message.contains("first initialiser fails"), "{message}");
    let value = run_with_timeout("second call", panicky).unwrap();
    assert_eq!(value, "second attempt");
    assert_eq!(PANICKY_ATTEMPTS.load(Ordering::SeqCst), 2);
}

#[singleton]
fn selfish() -> u32 {
    *selfish() + 1
}

#[test]
fn direct_reentrancy_panics_with_the_chain() {
    let message = expect_panic("selfish", selfish);
    assert!(
        message.contains("singleton init cycle: selfish -> selfish"),
        "{message}"
    );
    // Nothing stayed claimed: the next attempt reports the same cycle, not a hang.
    let again = expect_panic("selfish again", selfish);
    assert!(again.contains("selfish -> selfish"), "{again}");
}

#[singleton]
fn alpha() -> String {
    format!("alpha({})", beta())
}

#[singleton]
fn beta() -> String {
    format!("beta({})", alpha())
}

#[test]
fn chained_reentrancy_panics_with_the_chain() {
    let message = expect_panic("alpha", alpha);
    assert!(
        message.contains("singleton init cycle: alpha -> beta -> alpha"),
        "{message}"
    );
}

/// Both initialisers are entered before either asks for the other, so each thread
/// holds one and wants the other: a deadlock without detection.
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

#[test]
fn cross_thread_cycle_is_reported_not_deadlocked() {
    let t1 = thread::spawn(|| run_with_timeout("init-left", left).copied());
    let t2 = thread::spawn(|| run_with_timeout("init-right", right).copied());
    let outcomes = [t1.join().unwrap(), t2.join().unwrap()];
    let messages: Vec<String> = outcomes
        .iter()
        .map(|o| match o {
            Ok(v) => panic!("a cyclic initialiser returned {v}"),
            Err(payload) => support::panic_message(&**payload),
        })
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("singleton init cycle across threads")
                && (m.contains("left -> right -> left") || m.contains("right -> left -> right"))),
        "{messages:#?}"
    );
    // The other thread then finds the cycle on its own stack once the first unwinds.
    assert!(
        messages.iter().all(|m| m.contains("singleton init cycle")),
        "{messages:#?}"
    );
}

fn build_pool() -> ConnectionPool {
    ConnectionPool { size: 8 }
}

#[singleton(init = build_pool)]
#[derive(Debug)]
struct ConnectionPool {
    size: usize,
}

#[test]
fn init_path_builds_the_struct() {
    assert_eq!(ConnectionPool::instance().size, 8);
    assert!(std::ptr::eq(
        ConnectionPool::instance(),
        ConnectionPool::instance()
    ));
}

#[singleton(init = || Limits { max: 3 })]
struct Limits {
    max: u32,
}

#[test]
fn init_closure_builds_the_struct() {
    assert_eq!(Limits::instance().max, 3);
}

static SETTINGS_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, PartialEq)]
struct LoadError(usize);

#[singleton(init = Settings::load, error = LoadError)]
#[derive(Debug)]
struct Settings {
    verbose: bool,
}

impl Settings {
    fn load() -> Result<Self, LoadError> {
        match SETTINGS_ATTEMPTS.fetch_add(1, Ordering::SeqCst) {
            0 => Err(LoadError(0)),
            _ => Ok(Self { verbose: true }),
        }
    }
}

#[test]
fn fallible_init_with_error_type() {
    assert_eq!(Settings::instance().unwrap_err(), LoadError(0));
    assert!(Settings::instance().unwrap().verbose);
    assert_eq!(SETTINGS_ATTEMPTS.load(Ordering::SeqCst), 2);
}

#[singleton]
#[derive(Default, Debug, PartialEq)]
enum Mode {
    #[default]
    Production,
    #[allow(dead_code)]
    Test,
}

#[test]
fn enums_can_be_singletons() {
    assert_eq!(*Mode::instance(), Mode::Production);
}

#[singleton]
fn io_config() -> std::io::Result<String> {
    Ok("from io::Result".to_owned())
}

#[test]
fn result_aliases_keep_their_shape() {
    let value: std::io::Result<&'static String> = io_config();
    assert_eq!(value.unwrap(), "from io::Result");
}

mod nested {
    pub(crate) mod deeper {
        use singleton_runtime::singleton;

        #[singleton]
        #[derive(Default)]
        pub(crate) struct Counter {
            pub hits: std::sync::atomic::AtomicU64,
        }
    }
}

#[test]
fn singletons_in_nested_modules() {
    nested::deeper::Counter::instance()
        .hits
        .fetch_add(1, Ordering::SeqCst);
    assert!(
        nested::deeper::Counter::instance()
            .hits
            .load(Ordering::SeqCst)
            >= 1
    );
}

static CONTENDED_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
static CONTENDED_SUCCESSES: AtomicUsize = AtomicUsize::new(0);

/// Fails its first three attempts, slowly, while other threads wait on it.
#[singleton]
fn contended_fallible() -> Result<u64, String> {
    let attempt = CONTENDED_ATTEMPTS.fetch_add(1, Ordering::SeqCst) + 1;
    thread::sleep(Duration::from_millis(10));
    if attempt <= 3 {
        return Err(format!("attempt {attempt} failed"));
    }
    CONTENDED_SUCCESSES.fetch_add(1, Ordering::SeqCst);
    Ok(attempt as u64)
}

#[test]
fn failed_inits_under_contention_still_give_exactly_one_success() {
    let addresses = run_with_timeout("contended", || {
        race(16, |_| {
            let mut errors = 0;
            loop {
                match contended_fallible() {
                    Ok(v) => return (std::ptr::from_ref(v) as usize, errors),
                    Err(_) => errors += 1,
                }
            }
        })
    })
    .unwrap();
    assert_eq!(CONTENDED_SUCCESSES.load(Ordering::SeqCst), 1);
    assert_eq!(CONTENDED_ATTEMPTS.load(Ordering::SeqCst), 4);
    assert!(addresses.iter().all(|(a, _)| *a == addresses[0].0));
    // Each failed attempt was reported to exactly the one caller that ran it.
    assert_eq!(addresses.iter().map(|(_, e)| e).sum::<usize>(), 3);
    assert_eq!(*contended_fallible().unwrap(), 4);
}

static WAITED_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
fn panics_while_others_wait() -> String {
    let attempt = WAITED_ATTEMPTS.fetch_add(1, Ordering::SeqCst) + 1;
    thread::sleep(Duration::from_millis(30));
    assert!(attempt > 1, "first initialiser panics while 7 threads wait");
    format!("built by attempt {attempt}")
}

#[test]
fn a_panic_wakes_the_waiters_and_one_of_them_initialises() {
    let outcomes = run_with_timeout("waiters", || {
        race(8, |_| {
            std::panic::catch_unwind(|| std::ptr::from_ref(panics_while_others_wait()) as usize)
        })
    })
    .unwrap();
    let panicked = outcomes.iter().filter(|o| o.is_err()).count();
    let addresses: Vec<usize> = outcomes.into_iter().filter_map(Result::ok).collect();
    assert_eq!(panicked, 1);
    assert_eq!(addresses.len(), 7);
    assert!(addresses.iter().all(|a| *a == addresses[0]));
    assert_eq!(WAITED_ATTEMPTS.load(Ordering::SeqCst), 2);
    assert_eq!(panics_while_others_wait(), "built by attempt 2");
}
