//! Loom model of the visit registry: a thread withdrawing its instance (at exit) while
//! a visitor looks at it.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};

use super::visit::Registry;

/// An instance's address, handed to the model's threads.
struct Addr(*mut u64);

// SAFETY: the model frees the instance only after `unregister`, which waits for the
// visitor; the visitor reads it only through the registry.
unsafe impl Send for Addr {}

/// The instance is freed only after `unregister` returns; in no interleaving does the
/// visitor see it freed while it looks at it, and the visitor sees it whole or not at
/// all.
#[test]
fn loom_an_instance_is_not_freed_while_a_visitor_looks_at_it() {
    loom::model(|| {
        let registry = Arc::new(Registry::<u64>::new());
        let freed = Arc::new(AtomicBool::new(false));
        let value = Addr(Box::into_raw(Box::new(41_u64)));
        let id = registry.register(value.0.cast_const(), value.0.addr());
        let visitor = {
            let (registry, freed) = (registry.clone(), freed.clone());
            loom::thread::spawn(move || {
                let mut seen = Vec::new();
                registry.for_each("model", |v: &u64| {
                    assert!(!freed.load(Ordering::SeqCst), "visited after its drop");
                    seen.push(*v);
                });
                assert!(seen.is_empty() || seen == [41]);
            })
        };
        registry.unregister(id, "model");
        freed.store(true, Ordering::SeqCst);
        let value = value;
        // SAFETY: from `Box::into_raw` above; withdrawn, so no visitor looks at it.
        drop(unsafe { Box::from_raw(value.0) });
        visitor.join().unwrap();
    });
}

/// Two visitors (one of them visiting twice, nested) and a withdrawal: the instance is
/// freed only once no pin is left, and every visitor sees it whole or not at all.
#[test]
fn loom_a_withdrawal_waits_for_every_pin_nested_ones_included() {
    loom::model(|| {
        let registry = Arc::new(Registry::<u64>::new());
        let freed = Arc::new(AtomicBool::new(false));
        let value = Addr(Box::into_raw(Box::new(7_u64)));
        let id = registry.register(value.0.cast_const(), value.0.addr());
        let visitors: Vec<_> = [false, true]
            .into_iter()
            .map(|nested| {
                let (registry, freed) = (registry.clone(), freed.clone());
                loom::thread::spawn(move || {
                    registry.for_each("model", |v: &u64| {
                        assert!(!freed.load(Ordering::SeqCst), "visited after its drop");
                        assert_eq!(*v, 7);
                        if nested {
                            registry.for_each("model", |inner: &u64| {
                                assert!(!freed.load(Ordering::SeqCst), "visited after its drop");
                                assert_eq!(*inner, 7);
                            });
                        }
                    });
                })
            })
            .collect();
        registry.unregister(id, "model");
        freed.store(true, Ordering::SeqCst);
        let value = value;
        // SAFETY: from `Box::into_raw` above; withdrawn, so no visitor looks at it.
        drop(unsafe { Box::from_raw(value.0) });
        for visitor in visitors {
            visitor.join().unwrap();
        }
    });
}
