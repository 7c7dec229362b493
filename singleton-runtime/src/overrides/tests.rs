//! Overrides and resets at small scale: also run under Miri (`.ci/run`), which checks
//! that no reference outlives its value and that a dropped `Singleton` frees every
//! generation.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::testing::Overrides;
use crate::{GuardedGlobal, Singleton};

#[test]
fn references_survive_resets_and_each_generation_is_built_once() {
    const RESETS: usize = if cfg!(miri) { 20 } else { 300 };
    crate::test_support::within_timeout(|| {
        let cell: Singleton<Vec<usize>> = Singleton::new("generations");
        let inits = AtomicUsize::new(0);
        let init = || {
            let generation = inits.fetch_add(1, Ordering::SeqCst);
            vec![generation; 4]
        };
        let kept: Vec<Vec<&Vec<usize>>> = std::thread::scope(|s| {
            let readers: Vec<_> = (0..3)
                .map(|_| {
                    s.spawn(|| {
                        let mut kept = Vec::new();
                        while kept.len() < RESETS {
                            kept.push(cell.get_or_init(init));
                        }
                        kept
                    })
                })
                .collect();
            for _ in 0..RESETS {
                cell.get_or_init(init);
                cell.reset();
            }
            readers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        cell.get_or_init(init);
        let generations = inits.load(Ordering::SeqCst);
        assert_eq!(
            generations,
            RESETS + 1,
            "one successful init per generation"
        );
        for value in kept.iter().flatten() {
            // Every reference is still readable, and whole: one generation's value.
            assert!(value.len() == 4 && value.iter().all(|g| *g == value[0] && *g < generations));
        }
        drop(cell); // frees every generation: Miri reports a leak or a double free here
    });
}

static NAME: Singleton<String> = Singleton::new("NAME");

fn name() -> &'static str {
    NAME.get_or_init(|| "real".to_owned())
}

#[test]
fn nested_overrides_restore_in_reverse_order_also_on_panic() {
    NAME.override_with("outer".to_owned(), || {
        assert_eq!(name(), "outer");
        let escaped = NAME.override_with("inner".to_owned(), name);
        assert_eq!(name(), "outer");
        assert_eq!(
            escaped, "inner",
            "an overridden reference outlives its override"
        );
        let panicked = std::panic::catch_unwind(|| {
            NAME.override_with("panics".to_owned(), || panic!("test body fails"));
        });
        assert!(panicked.is_err());
        assert_eq!(name(), "outer");
    });
    assert_eq!(name(), "real");
}

#[test]
fn dropping_an_outer_guard_first_panics_and_still_restores() {
    static LEVEL: Singleton<u8> = Singleton::new("LEVEL");
    let outer = LEVEL.override_guard(1);
    let inner = LEVEL.override_guard(2);
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(outer))).unwrap_err();
    let message = payload.downcast_ref::<&str>().unwrap();
    assert!(message.contains("drop the inner guard first"), "{message}");
    assert_eq!(LEVEL.get(), Some(&2));
    drop(inner);
    assert_eq!(LEVEL.get(), None);
}

#[test]
fn overrides_reach_other_threads_only_when_carried() {
    static LIMIT: GuardedGlobal<u32> = GuardedGlobal::new("LIMIT", || 10);
    LIMIT.override_with(3, || {
        let overrides = Overrides::capture();
        assert!(!overrides.is_empty());
        std::thread::scope(|s| {
            assert_eq!(s.spawn(|| LIMIT.read(|l| *l)).join().unwrap(), 10);
            let carried = s.spawn(|| overrides.scope(|| LIMIT.write(|l| std::mem::replace(l, 4))));
            assert_eq!(carried.join().unwrap(), 3);
        });
        assert_eq!(
            LIMIT.read(|l| *l),
            4,
            "one override, shared with the carried thread"
        );
    });
    assert_eq!(LIMIT.read(|l| *l), 10);
}

#[test]
fn a_guarded_reset_rebuilds_and_clears_poison() {
    static BUILDS: AtomicUsize = AtomicUsize::new(0);
    static LIST: GuardedGlobal<Vec<usize>> =
        GuardedGlobal::new("LIST", || vec![BUILDS.fetch_add(1, Ordering::SeqCst)]);
    LIST.write(|l| l.push(7));
    let _ = std::panic::catch_unwind(|| LIST.write(|_| panic!("poisons")));
    assert!(LIST.is_poisoned());
    LIST.reset();
    assert!(!LIST.is_poisoned());
    assert_eq!(LIST.read(Vec::clone), [1]);
}
