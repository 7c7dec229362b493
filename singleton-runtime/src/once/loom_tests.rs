//! Loom models of the claim state machine and of the wait-for graph's decision.

use std::panic::{AssertUnwindSafe, catch_unwind};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::blocking;
use crate::Singleton;
use crate::waits::{Kind, Resource};

/// Two threads claim one resource: exactly one builds; the other either finds it ready
/// or, if the builder gave up without publishing, builds it itself. Never both at once.
#[test]
fn loom_claim_one_builder_at_a_time() {
    loom::model(|| {
        let ready = Arc::new(AtomicBool::new(false));
        let building = Arc::new(AtomicUsize::new(0));
        let builds = Arc::new(AtomicUsize::new(0));
        let spawn = |publish: bool| {
            let (ready, building, builds) = (ready.clone(), building.clone(), builds.clone());
            loom::thread::spawn(move || {
                let resource = Resource::named(1, Kind::Singleton, "model");
                let Some(guard) = blocking::claim(&resource, || ready.load(Ordering::Acquire))
                else {
                    return;
                };
                assert_eq!(building.fetch_add(1, Ordering::SeqCst), 0, "two builders");
                builds.fetch_add(1, Ordering::SeqCst);
                building.fetch_sub(1, Ordering::SeqCst);
                if publish {
                    ready.store(true, Ordering::Release);
                }
                drop(guard);
            })
        };
        // One builder fails (publishes nothing), the other succeeds.
        let a = spawn(false);
        let b = spawn(true);
        a.join().unwrap();
        b.join().unwrap();
        let builds = builds.load(Ordering::SeqCst);
        assert!(builds == 1 || builds == 2, "{builds} builds");
        // The succeeding builder always ran (the failing one cannot make it skip).
        assert!(ready.load(Ordering::Acquire));
    });
}

/// Two singletons whose initialisers need each other, first touched on two threads:
/// in every interleaving, nobody sleeps forever (loom reports a deadlock otherwise),
/// and both calls end in a cycle report.
#[test]
fn loom_cross_thread_cycle_never_hangs() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let a = Arc::new(Singleton::<u32>::new("a"));
        let b = Arc::new(Singleton::<u32>::new("b"));
        let spawn = |first: Arc<Singleton<u32>>, second: Arc<Singleton<u32>>| {
            loom::thread::spawn(move || {
                catch_unwind(AssertUnwindSafe(|| {
                    *first.get_or_init(|| {
                        let inner = first.clone();
                        *second.get_or_init(|| *inner.get_or_init(|| 0) + 1) + 1
                    })
                }))
                .map_err(|payload| {
                    payload
                        .downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_default()
                })
            })
        };
        let t1 = spawn(a.clone(), b.clone());
        let t2 = spawn(b.clone(), a.clone());
        // Each initialiser needs the other: whatever the interleaving, both calls end
        // in a cycle report (across threads, or on one thread once the other gave up).
        for outcome in [t1.join().unwrap(), t2.join().unwrap()] {
            let message = outcome.expect_err("a cyclic initialiser returned");
            assert!(message.contains("init cycle"), "{message}");
        }
    });
}
