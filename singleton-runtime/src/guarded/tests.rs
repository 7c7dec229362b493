//! Unit tests of the access paths on local globals, small enough for Miri (which
//! `.ci/run` uses to check the `unsafe` frame links, value cell and drop). The
//! behavioural and stress tests are in `tests/tests/guarded_global.rs`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::GuardedGlobal;
use super::error::Name;
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
        names.replace_with(|v| [v.clone(), vec!["c".into()]].concat()),
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

/// A `try_write_for` that times out waiting for readers leaves the lock as it found
/// it, bias included: readers that came in biased are still inside, and only a writer
/// that revokes bias (with the heavy fence) may wait for them. Released unbiased, the
/// next writer would take the fast path and could miss the wake-up of such a reader
/// (the loom model `loom_a_biased_reader_left_behind_by_a_timed_out_writer_wakes_the_next_writer`).
#[test]
fn a_write_that_times_out_on_readers_gives_back_the_bias_it_revoked() {
    if !super::raw::fence::available() {
        // No asymmetric fence here (e.g. Miri): locks are never biased.
        return;
    }
    within_timeout(|| {
        let global = GuardedGlobal::new("biased", || 1_u32);
        // Built by a read: the build turns bias on.
        assert_eq!(global.read(|v| *v), 1);
        assert!(biased(&global));
        global.read(|_| {
            let timed_out = std::thread::scope(|s| {
                s.spawn(|| global.try_write_for(std::time::Duration::from_millis(20), |v| *v = 2))
                    .join()
                    .unwrap()
            });
            assert!(timed_out.is_err(), "this read is inside");
            assert!(biased(&global), "bias is back");
        });
        global.write(|v| *v = 3);
        assert_eq!(global.read(|v| *v), 3);
    });
}

/// The global is built, idle and biased.
fn biased<T>(global: &GuardedGlobal<T>) -> bool {
    let status = global.built().expect("built").lock.status();
    status.biased && !status.writer && !status.poisoned
}

/// Links two frames and releases them out of order, as a stack-switching coroutine
/// inside a `read` closure would (coroutine A reads `OUTER`, B reads `INNER` on the
/// same OS thread, A finishes first), then returns: both frames are gone.
fn release_out_of_order(order: &super::order::OrderId) {
    use super::held::{self, Frame, Mode};
    let outer = Frame::new(1, Name::global("OUTER"), Mode::Read, order);
    let inner = Frame::new(2, Name::global("INNER"), Mode::Read, order);
    // SAFETY: both frames are unlinked by the `leave`s below before they are dropped.
    unsafe {
        held::enter(&outer);
        held::enter(&inner);
    }
    held::leave(&outer);
    held::leave(&inner);
}

/// Issue 7: the held-frame stack assumed strict LIFO and checked it only in debug
/// builds; out of order, a release left a pointer to a dead stack frame, which the next
/// access followed. Now the release notices (it must not panic: it runs in a `Drop`),
/// and the next access on the thread panics, naming the global, without following it.
#[test]
fn a_release_out_of_order_is_reported_by_the_next_access_naming_the_global() {
    within_timeout(|| {
        let order = super::order::OrderId::new();
        release_out_of_order(&order);
        let later =
            super::held::Frame::new(3, Name::global("LATER"), super::held::Mode::Read, &order);
        // SAFETY: `later` outlives the call; a successful `enter` is undone at once.
        let entered = catch_unwind(AssertUnwindSafe(|| unsafe { super::held::enter(&later) }));
        if entered.is_ok() {
            super::held::leave(&later);
        }
        let payload = entered.expect_err("the next access reports the broken order");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains("`OUTER`"), "names the global: {message}");
        assert!(message.contains("out of order"), "{message}");
        // Reported once: the thread can use guarded globals again.
        let global = GuardedGlobal::new("after", || 1_u32);
        assert_eq!(global.read(|a| global.read(|b| a + b)), 2);
    });
}

/// Found while adding `held::taking`: `wait_context` walked the frame stack without
/// checking for `BROKEN`, so a thread that waited for a singleton (its claim collects
/// the guarded values the thread holds) after a release out of order, and before any
/// guarded access reported it, dereferenced the `BROKEN` marker (address 1).
#[test]
fn the_wait_context_of_a_thread_whose_frames_broke_is_empty_not_a_crash() {
    within_timeout(|| {
        let order = super::order::OrderId::new();
        release_out_of_order(&order);
        let (name, held) = super::held::wait_context(12_345);
        assert_eq!((name, held.len()), (None, 0));
        assert_eq!(super::held::taking(12_345), None);
        // Report (and so clear) the broken order, leaving the thread usable.
        let later = GuardedGlobal::new("later", || 1_u32);
        assert!(catch_unwind(AssertUnwindSafe(|| later.read(|v| *v))).is_err());
        assert_eq!(later.read(|v| *v), 1);
    });
}

#[test]
fn a_field_reads_writes_nests_and_drops_its_value() {
    use super::Guarded;
    within_timeout(|| {
        let names = Guarded::new("T.names", vec![String::from("a")]);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..20 {
                        names.write(|n| n.push("b".into()));
                        names.read(|outer| names.read(|inner| assert_eq!(outer, inner)));
                    }
                });
            }
        });
        assert_eq!(names.read(Vec::len), 61);
        assert_eq!(names.replace(vec!["c".into()]).len(), 61);
        assert_eq!(
            names.replace_with(|v| [v.clone(), v.clone()].concat()),
            ["c"]
        );
        assert_eq!(names.take(), ["c", "c"]);
        let mut names = names;
        names.get_mut().push("d".into());
        assert_eq!(names.into_inner(), ["d"]); // Miri reports a leak or double free here
    });
}

#[test]
fn a_field_poisons_and_debug_never_waits_or_panics() {
    use super::Guarded;
    let totals = Guarded::new("T.totals", vec![0_u32; 2]);
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        totals.write(|t| {
            t[0] = 1;
            panic!("half-way");
        });
    }));
    assert!(panicked.is_err() && totals.is_poisoned());
    let shown = format!("{totals:?}");
    assert_eq!(
        shown,
        r#"Guarded { name: "T.totals", poisoned: true, value: <locked>, .. }"#
    );
    totals.recover(|t| t.fill(0));
    totals.write(|_| assert!(format!("{totals:?}").contains("in a write")));
    totals.read(|_| assert!(format!("{totals:?}").contains("value: [0, 0]")));
}

/// The rebias backoff (`raw/biased.rs`): a lock written soon after each time bias comes
/// back pays the `membarrier` of a revocation exponentially more rarely; one written
/// long after gets bias back at the next request. Each `try_bias` stands for a thread's
/// request after ~1,000 counted reads.
#[test]
fn a_lock_written_soon_after_each_rebias_backs_off_and_a_quiet_one_does_not() {
    if !super::raw::fence::available() {
        // No asymmetric fence here (e.g. Miri): locks are never biased.
        return;
    }
    within_timeout(|| {
        let global = GuardedGlobal::new("often written", || 0_u32);
        global.read(|_| ()); // built biased
        let core = global.built().expect("built");
        let mut revocations = 0;
        for _ in 0..64 {
            core.lock.try_bias();
            if core.lock.status().biased {
                revocations += 1;
            }
            global.write(|v| *v += 1); // revokes bias if it is on
        }
        // Without the backoff: 64 (every request granted, every write revokes).
        assert!(
            (3..=12).contains(&revocations),
            "bias came back {revocations} times in 64 requests"
        );
        // Quiet for longer than `SOON` after bias came back: the next write resets the
        // backoff, and the next request is granted at once.
        let mut granted = false;
        for _ in 0..10_000 {
            core.lock.try_bias();
            if core.lock.status().biased {
                granted = true;
                break;
            }
        }
        assert!(granted, "the backoff ends");
        std::thread::sleep(std::time::Duration::from_millis(30));
        global.write(|v| *v += 1);
        core.lock.try_bias();
        assert!(
            core.lock.status().biased,
            "a late revocation does not back off"
        );
    });
}
