//! Loom models of the singleton slow path: claim, wait, publish, release.

use super::Singleton;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};

/// Two threads race first access: one initialiser runs, both see its value.
#[test]
fn loom_singleton_one_init() {
    loom::model(|| {
        let cell = Arc::new(Singleton::new("race"));
        let runs = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                loom::thread::spawn(move || {
                    *cell.get_or_init(|| {
                        runs.fetch_add(1, Ordering::Relaxed);
                        i
                    })
                })
            })
            .collect();
        let seen: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert_eq!(seen[0], seen[1]);
        assert_eq!(cell.get(), Some(&seen[0]));
    });
}

/// A failing initialiser stores nothing; the other thread's initialiser then wins,
/// whichever order they run in.
#[test]
fn loom_singleton_err_then_retry() {
    loom::model(|| {
        let cell = Arc::new(Singleton::<u32>::new("retry"));
        let c = cell.clone();
        let failing =
            loom::thread::spawn(move || c.get_or_try_init(|| Err::<u32, ()>(())).copied());
        let ok = cell.get_or_try_init(|| Ok::<u32, ()>(7)).copied();
        let failed = failing.join().unwrap();
        assert_eq!(ok, Ok(7));
        // The failing thread either ran its initialiser (Err) or found 7 ready.
        assert!(failed == Err(()) || failed == Ok(7));
        assert_eq!(cell.get(), Some(&7));
    });
}

/// A reset racing a first access of the new generation: the reader gets the old value
/// or the new one, whole; the new generation is built exactly once.
#[test]
fn loom_singleton_reset_races_a_reader() {
    loom::model(|| {
        let cell = Arc::new(Singleton::new("reset"));
        let runs = Arc::new(AtomicUsize::new(0));
        cell.get_or_init(|| 100);
        let reader = {
            let (cell, runs) = (cell.clone(), runs.clone());
            loom::thread::spawn(move || {
                *cell.get_or_init(|| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    200
                })
            })
        };
        cell.reset();
        let after = *cell.get_or_init(|| {
            runs.fetch_add(1, Ordering::Relaxed);
            300
        });
        let seen = reader.join().unwrap();
        assert_eq!(
            runs.load(Ordering::Relaxed),
            1,
            "one init for the new generation"
        );
        assert!(after == 200 || after == 300);
        assert!(
            seen == 100 || seen == after,
            "old value or the new one: {seen}"
        );
    });
}

/// A reset while an initialiser runs waits for it, then resets: an initialiser that had
/// started before `reset` was called never provides the value seen after it.
#[test]
fn loom_singleton_reset_waits_for_a_running_initialiser() {
    loom::model(|| {
        let cell = Arc::new(Singleton::new("reset-during-init"));
        let started = Arc::new(AtomicUsize::new(0));
        let initialiser = {
            let (cell, started) = (cell.clone(), started.clone());
            loom::thread::spawn(move || {
                cell.get_or_init(|| {
                    started.store(1, Ordering::SeqCst);
                    1
                });
            })
        };
        let started_before = started.load(Ordering::SeqCst) == 1;
        cell.reset();
        initialiser.join().unwrap();
        let after = *cell.get_or_init(|| 2);
        if started_before {
            assert_eq!(
                after, 2,
                "a value whose build began before the reset survived it"
            );
        }
    });
}
