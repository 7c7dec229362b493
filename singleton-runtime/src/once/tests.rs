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
        // Ask for D only once `other` is registered as waiting for A: a wait for D
        // registered earlier would let `other` find the cycle first (and release D).
        while !crate::waits::graph().is_awaited(E) {
            std::thread::yield_now();
        }
        let Claim::Cycle(cycle) = claim::claim(resource(D, "delta"), || false, Then::Wait) else {
            panic!("waiting for D, held by `other` which waits for A, closes a cycle");
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

/// Guarded globals in the graph: a reader blocked behind a writer is blocked by the
/// writer, not by the other readers (two reads never wait for each other), and a writer
/// draining readers blocks every other access, also when it is the last to register.
#[test]
fn readers_block_only_a_draining_writer_which_blocks_everyone() {
    use crate::waits::{self, Access};
    const S: usize = usize::MAX - 21;
    const G: usize = usize::MAX - 23;
    let global = |access| Resource::named(G, Kind::GuardedGlobal, "G").with_access(access);
    crate::test_support::within_timeout(move || {
        let (registered, done) = (mpsc::channel(), mpsc::channel::<()>());
        // The builder holds S and waits to read G.
        let r1 = registered.0.clone();
        let builder_done = mpsc::channel::<()>();
        let builder = std::thread::spawn(move || {
            let s = blocking::claim(&resource(S, "s"), || false).expect("free");
            r1.send(()).unwrap();
            builder_done.1.recv().unwrap();
            let ticket = waits::before_wait(global(Access::Exclusive), Vec::new());
            let waited = ticket.is_ok();
            r1.send(()).unwrap();
            done.1.recv().unwrap();
            drop((ticket, s));
            waited
        });
        registered.1.recv().unwrap();
        // The reader holds a read of G and waits for S: nobody is writing G, so the
        // builder's wait to read G is no cycle.
        let r2 = registered.0.clone();
        let (reader_go, reader_wait) = mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let ticket = waits::before_wait(resource(S, "s"), vec![global(Access::Shared)]);
            r2.send(()).unwrap();
            reader_wait.recv().unwrap();
            drop(ticket.expect("S is held by a thread that waits for nothing yet"));
        });
        registered.1.recv().unwrap();
        builder_done.0.send(()).unwrap();
        registered.1.recv().unwrap();
        // A writer that drains G's readers, last to register: the reader waits for S,
        // held by the builder, which cannot read G while this writer holds the write bit.
        let cycle = waits::before_wait(global(Access::Draining), Vec::new())
            .err()
            .expect("the draining writer closes a cycle");
        let message = cycle.to_string();
        assert!(message.contains("wait cycle across threads"), "{message}");
        assert!(message.contains("waits for `s`"), "{message}");
        reader_go.send(()).unwrap();
        done.0.send(()).unwrap();
        reader.join().unwrap();
        assert!(
            builder.join().unwrap(),
            "reading G behind no writer was taken for a cycle through G's reader"
        );
    });
}
