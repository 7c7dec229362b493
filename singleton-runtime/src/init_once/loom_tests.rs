//! Loom models of `InitOnce` over the claim.

use super::InitOnce;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use std::panic::Location;

/// Two threads race: the body runs once, exactly one call is `Ok`, and the other
/// names the winner's location.
#[test]
fn loom_init_once_race() {
    loom::model(|| {
        let once = Arc::new(InitOnce::new("race"));
        let runs = Arc::new(AtomicUsize::new(0));
        let spawn = |once: Arc<InitOnce>, runs: Arc<AtomicUsize>| {
            loom::thread::spawn(move || {
                once.call(Location::caller(), || runs.fetch_add(1, Ordering::Relaxed))
                    .is_ok()
            })
        };
        let a = spawn(once.clone(), runs.clone());
        let b = spawn(once.clone(), runs.clone());
        let oks = [a.join().unwrap(), b.join().unwrap()]
            .iter()
            .filter(|ok| **ok)
            .count();
        assert_eq!(oks, 1);
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert!(once.is_done());
    });
}

/// A panicking body leaves it uninitialised; a concurrent caller is refused while
/// it runs (never waits), and runs itself if it comes after the panic.
#[test]
fn loom_init_once_panic_then_other_runs() {
    loom::model(|| {
        let once = Arc::new(InitOnce::new("panics"));
        let o = once.clone();
        let a = loom::thread::spawn(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                o.call(Location::caller(), || panic!("first body fails"))
            }))
            .is_err()
        });
        let b = once.call(Location::caller(), || 2);
        a.join().unwrap();
        match b {
            // `b` ran: before `a` (which then got `Err` without running), or after
            // `a` panicked.
            Ok(v) => {
                assert_eq!(v, 2);
                assert!(once.is_done());
            }
            // `a` was running: `b` was refused at once, then `a` panicked.
            Err(e) => {
                assert!(e.in_progress());
                assert!(!once.is_done());
            }
        }
    });
}

/// Two threads call the waiting form: the body runs once, and whichever call did not
/// run it returns only after it finished (it sees the body's write).
#[test]
fn loom_init_once_waiting_callers_see_the_body_done() {
    loom::model(|| {
        let once = Arc::new(InitOnce::new("waits"));
        let written = Arc::new(AtomicUsize::new(0));
        let spawn = |once: Arc<InitOnce>, written: Arc<AtomicUsize>| {
            loom::thread::spawn(move || {
                let ran = once
                    .call_or_wait(Location::caller(), || {
                        written.fetch_add(1, Ordering::Relaxed)
                    })
                    .is_ok();
                // Ran it or waited for it: either way the body's effect is visible.
                assert_eq!(written.load(Ordering::Relaxed), 1);
                assert!(once.is_done());
                ran
            })
        };
        let a = spawn(once.clone(), written.clone());
        let b = spawn(once.clone(), written.clone());
        let ran = [a.join().unwrap(), b.join().unwrap()];
        assert_eq!(ran.iter().filter(|r| **r).count(), 1);
    });
}
