//! Items that reach the macros through `macro_rules` fragments behave like written ones,
//! and items named with raw identifiers are named as the user reads them.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use singleton_runtime::{guarded_global, init_once, singleton};
use support::{catch_panic, expect_panic};

/// A `$t:ty` fragment reaches `#[singleton]` wrapped in an invisible group.
macro_rules! lazy_global {
    ($name:ident: $t:ty = $body:block) => {
        #[singleton]
        fn $name() -> $t $body
    };
}

static FLAKY_RUNS: AtomicUsize = AtomicUsize::new(0);

lazy_global!(flaky: Result<u16, String> = {
    if FLAKY_RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
        Err("not yet".to_owned())
    } else {
        Ok(7)
    }
});

/// `Result<u16, String>` through `$t:ty` is fallible: the first `Err` is handed back and
/// not stored, so the next call runs the initialiser again and gets the value.
#[test]
fn singleton_result_through_ty_fragment_is_retried_after_err() {
    // Compared through `Debug`, so that this test also compiles (and fails) against an
    // expansion that took the type as infallible (`&'static Result<u16, String>`).
    assert_eq!(format!("{:?}", flaky()), r#"Err("not yet")"#);
    assert_eq!(format!("{:?}", flaky()), "Ok(7)");
    assert_eq!(format!("{:?}", flaky()), "Ok(7)");
    assert_eq!(FLAKY_RUNS.load(Ordering::SeqCst), 2);
}

#[singleton]
fn r#type() -> u32 {
    // Needs itself: the runtime reports the cycle, naming the fn.
    *r#type() + 1
}

/// The cycle panic names `type`, not `r#type`.
#[test]
fn raw_singleton_name_in_cycle_panic() {
    let message = expect_panic("raw singleton", || *r#type());
    assert!(message.contains("type -> type"), "{message}");
    assert!(!message.contains("r#"), "{message}");
}

#[init_once]
fn r#fn() {}

/// `AlreadyInitialized` names `fn`, not `r#fn`.
#[test]
fn raw_init_once_name_in_error() {
    r#fn().expect("first call runs");
    let message = r#fn().unwrap_err().to_string();
    assert!(
        message.starts_with("`fn` was already initialised"),
        "{message}"
    );
}

#[guarded_global]
#[allow(non_upper_case_globals)]
static r#static: Vec<u8> = Vec::new();

/// The poison panic names `static`, and its repair hint is code that compiles:
/// `r#static.recover(..)` (`static.recover(..)` would not).
#[test]
fn raw_guarded_global_name_in_poison_panic() {
    let _ = catch_panic(|| r#static.write(|_| panic!("half-changed")));
    let message = catch_panic(|| r#static.read(Vec::len));
    assert!(
        message.starts_with("guarded global `static` is poisoned"),
        "{message}"
    );
    assert!(
        message.contains("`r#static.recover(|value| ...)`")
            && message.contains("`r#static.clear_poison()`"),
        "{message}"
    );
    r#static.clear_poison();
}

#[guarded_global(name = "feature registry")]
static FEATURES: Vec<u8> = Vec::new();

/// A free-form name is not code: the hint still says what to call, instead of
/// "Repair it with `.recover(..)`" with the receiver missing.
#[test]
fn free_form_name_in_poison_panic_keeps_a_hint() {
    let _ = catch_panic(|| FEATURES.write(|_| panic!("half-changed")));
    let message = catch_panic(|| FEATURES.read(Vec::len));
    assert!(
        message.starts_with("guarded global `feature registry` is poisoned"),
        "{message}"
    );
    assert!(!message.contains("with `.recover"), "{message}");
    assert!(
        message.contains("by calling its `recover(|value| ...)`")
            && message.contains("with its `clear_poison()`"),
        "{message}"
    );
    FEATURES.clear_poison();
}

/// Thread-scoped forms with every part a fragment: attributes, visibility, name, type,
/// body; a struct with its field.
macro_rules! per_thread {
    ($(#[$m:meta])* $vis:vis fn $name:ident() -> $t:ty $body:block) => {
        $(#[$m])*
        #[singleton(scope = thread)]
        $vis fn $name() -> $t $body
    };
    ($(#[$m:meta])* $vis:vis struct $name:ident { $fvis:vis $field:ident: $ft:ty $(,)? }) => {
        $(#[$m])*
        #[singleton(scope = thread)]
        #[derive(Default)]
        $vis struct $name {
            $fvis $field: $ft,
        }
    };
}

static PER_THREAD_BUILDS: AtomicUsize = AtomicUsize::new(0);

per_thread! {
    /// Counted per thread.
    pub(crate) fn sent() -> std::sync::atomic::AtomicU64 {
        PER_THREAD_BUILDS.fetch_add(1, Ordering::SeqCst);
        std::sync::atomic::AtomicU64::new(10)
    }
}

per_thread! {
    /// A per-thread tally.
    pub(crate) struct Tally { pub(crate) n: std::cell::Cell<u32> }
}

#[test]
fn thread_scoped_items_from_fragments_work_like_written_ones() {
    let (sums, builds) = support::within("per thread", support::DEADLOCK_TIMEOUT, || {
        let built = std::sync::Barrier::new(3);
        let sums = std::thread::scope(|s| {
            for n in 1..=2 {
                let built = &built;
                s.spawn(move || {
                    sent::with(|v| v.fetch_add(n, Ordering::SeqCst));
                    built.wait();
                    built.wait();
                });
            }
            built.wait();
            let mut sum = 0;
            sent::for_each(|v| sum += v.load(Ordering::SeqCst));
            built.wait();
            sum
        });
        Tally::with_instance(|t| t.n.set(3));
        let overridden =
            Tally::override_instance(Tally::default(), || Tally::with_instance(|t| t.n.get()));
        let kept = Tally::with_instance(|t| t.n.get());
        Tally::reset_instance();
        let rebuilt = Tally::with_instance(|t| t.n.get());
        let over = sent::override_with(std::sync::atomic::AtomicU64::new(99), || {
            sent::with(|v| v.load(Ordering::SeqCst))
        });
        (
            (sums, overridden, kept, rebuilt, over),
            PER_THREAD_BUILDS.load(Ordering::SeqCst),
        )
    });
    assert_eq!(sums, (23, 0, 3, 0, 99));
    assert_eq!(
        builds, 2,
        "one per spawned thread; the override built nothing"
    );
}
