//! Unit tests of the claim and the wait-for graph's decisions (also run under Miri).

use std::sync::mpsc;

use super::blocking;
use super::claim::{self, Claim, Then};
use crate::waits::{Kind, Resource};

fn resource(key: usize, name: &'static str) -> Resource {
    Resource::named(key, Kind::Singleton, name)
}

/// Keys no real primitive can have (odd, and far from any allocation).
const A: usize = usize::MAX - 11;
const B: usize = usize::MAX - 13;
const C: usize = usize::MAX - 15;
const D: usize = usize::MAX - 17;
const E: usize = usize::MAX - 19;

#[test]
fn a_reentrant_claim_is_a_cycle_naming_the_chain_in_claim_order() {
    crate::test_support::within_timeout(|| {
        let a = blocking::claim(&resource(A, "alpha"), || false).expect("free");
        let b = blocking::claim(&resource(B, "beta"), || false).expect("free");
        let Claim::Cycle(cycle) = claim::claim(resource(A, "alpha"), || false, Then::Refuse) else {
            panic!("a reentrant claim must be a cycle, even when refusing to wait");
        };
        assert!(cycle.is_reentrant());
        let message = cycle.to_string();
        assert!(
            message.starts_with("singleton init cycle: alpha -> beta -> alpha (on thread "),
            "{message}"
        );
        assert!(
            message.contains("needs `alpha` again, through `beta`"),
            "{message}"
        );
        drop((b, a));
        // Released: claimable again, and ready is seen before ownership.
        assert!(blocking::claim(&resource(A, "alpha"), || true).is_none());
    });
}

#[test]
fn a_busy_claim_is_refused_or_waited_for_and_released_on_drop() {
    crate::test_support::within_timeout(|| {
        let (claimed, go_on) = (mpsc::channel(), mpsc::channel::<()>());
        let owner = std::thread::spawn(move || {
            let guard = blocking::claim(&resource(C, "gamma"), || false).expect("free");
            claimed.0.send(()).unwrap();
            go_on.1.recv().unwrap();
            drop(guard);
        });
        claimed.1.recv().unwrap();
        assert!(matches!(
            claim::claim(resource(C, "gamma"), || false, Then::Refuse),
            Claim::Busy
        ));
        let Claim::Wait(pending) = claim::claim(resource(C, "gamma"), || false, Then::Wait) else {
            panic!("another thread holds it: wait");
        };
        drop(pending); // withdrawn: the owner's thread is not held up by it
        go_on.0.send(()).unwrap();
        // Blocks until the owner releases, then owns it.
        let again = blocking::claim(&resource(C, "gamma"), || false);
        assert!(again.is_some());
        owner.join().unwrap();
    });
}

#[test]
fn a_wait_that_would_close_a_cycle_across_threads_names_both_threads() {
    crate::test_support::within_timeout(|| {
        let (claimed, waiting) = (mpsc::channel(), mpsc::channel::<()>());
        let other = std::thread::Builder::new()
            .name("other".to_owned())
            .spawn(move || {
                let d = blocking::claim(&resource(D, "delta"), || false).expect("free");
                claimed.0.send(()).unwrap();
                waiting.1.recv().unwrap();
                // Waits for A, held by the test thread, which then asks for D.
                let outcome = std::panic::catch_unwind(|| {
                    blocking::claim(&resource(E, "alpha"), || false).is_some()
                });
                drop(d);
                outcome
            })
            .unwrap();
        claimed.1.recv().unwrap();
        let a = blocking::claim(&resource(E, "alpha"), || false).expect("free");
        waiting.0.send(()).unwrap();
        // Until `other` is registered as waiting for A, asking for D just waits.
        let cycle = loop {
            match claim::claim(resource(D, "delta"), || false, Then::Wait) {
                Claim::Cycle(cycle) => break cycle,
                Claim::Wait(pending) => drop(pending),
                _ => panic!("D is held by `other`"),
            }
            std::thread::yield_now();
        };
        assert!(!cycle.is_reentrant());
        let message = cycle.to_string();
        assert!(
            message.starts_with("singleton init cycle across threads: alpha -> delta -> alpha ("),
            "{message}"
        );
        assert!(
            message.contains("(this thread) holds `alpha` (singleton) and waits for `delta`"),
            "{message}"
        );
        assert!(message.contains("thread 'other' (ThreadId("), "{message}");
        assert!(
            message.contains("holds `delta` (singleton) and waits for `alpha`"),
            "{message}"
        );
        drop(a);
        assert_eq!(
            other.join().unwrap().ok(),
            Some(true),
            "`other` gets A once released"
        );
    });
}
