//! Unit tests of the access paths on local globals, small enough for Miri (which
//! `.ci/run` uses to check the `unsafe` frame links, value cell and drop). The
//! behavioural and stress tests are in `tests/tests/guarded_global.rs`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::GuardedGlobal;
use crate::test_support::within_timeout;

#[test]
fn threads_write_and_read_without_losing_updates() {
    within_timeout(|| {
        let total = GuardedGlobal::new("total", || 0_u64);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..50 {
                        total.write(|t| *t += 1);
                        total.read(|t| assert!(*t >= 1));
                    }
                });
            }
        });
        assert_eq!(total.read(|t| *t), 200);
    });
}

#[test]
fn nested_reads_and_the_value_helpers() {
    let names = GuardedGlobal::new("names", || vec![String::from("a")]);
    let nested = names.read(|outer| names.read(|inner| outer.len() + inner.len()));
    assert_eq!(nested, 2);
    assert_eq!(names.snapshot(), ["a"]);
    assert_eq!(names.replace(vec!["b".into()]), ["a"]);
    assert_eq!(
        names.update(|v| [v.clone(), vec!["c".into()]].concat()),
        ["b"]
    );
    assert_eq!(names.take(), ["b", "c"]);
    assert!(names.read(Vec::is_empty));
}

#[test]
fn a_write_inside_a_read_panics_and_leaves_the_global_usable() {
    let items = GuardedGlobal::new("items", Vec::<u32>::new);
    let refused = catch_unwind(AssertUnwindSafe(|| {
        items.read(|_| items.write(|v| v.push(1)));
    }));
    assert!(refused.is_err());
    items.write(|v| v.push(2));
    assert_eq!(items.read(Clone::clone), [2]);
}

#[test]
fn a_panicking_write_poisons_until_recovered() {
    let totals = GuardedGlobal::new("totals", || vec![0_u32; 2]);
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        totals.write(|t| {
            t[0] = 1;
            panic!("half-way");
        });
    }));
    assert!(panicked.is_err());
    assert!(totals.is_poisoned());
    assert!(catch_unwind(AssertUnwindSafe(|| totals.read(|t| t[0]))).is_err());
    totals.recover(|t| t.fill(0));
    assert!(!totals.is_poisoned());
    assert_eq!(totals.read(|t| t.iter().sum::<u32>()), 0);
}

#[test]
fn dropping_a_built_global_frees_its_value() {
    let text = GuardedGlobal::new("text", || String::from("heap allocated"));
    assert_eq!(text.read(String::len), 14);
    drop(text); // Miri reports a leak or a double free here
    let never_built = GuardedGlobal::new("never built", || String::from("unused"));
    drop(never_built);
}
