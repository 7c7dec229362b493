//! `#[singleton(scope = thread)]` in cycles that cross primitives: each is reported
//! (a panic naming a singleton on it) within the deadlock timeout, never a hang, and
//! leaves nothing half-built behind.

mod support;

use singleton_runtime::{guarded_global, singleton};
use support::{expect_panic, run_with_timeout};

/// Reads the process-wide `base`, whose initialiser reads this one.
#[singleton(scope = thread)]
fn local_view() -> u32 {
    *base() + 1
}

#[singleton]
fn base() -> u32 {
    local_view::with(|v| *v)
}

#[test]
fn a_thread_scoped_init_reading_a_singleton_that_reads_it_back_panics() {
    let first = expect_panic("thread-scoped first", || local_view::with(|v| *v));
    let thread_scoped_cycle =
        "thread-scoped singleton init cycle: the initialiser of `local_view` needs `local_view`";
    assert!(first.starts_with(thread_scoped_cycle), "{first}");
    let second = expect_panic("singleton first", || *base());
    assert!(
        second.starts_with("singleton init cycle: base -> base"),
        "{second}"
    );
    // Nothing stayed half-built: the same cycle is reported again, not a hang.
    let again = expect_panic("again", || local_view::with(|v| *v));
    assert!(again.starts_with(thread_scoped_cycle), "{again}");
}

#[guarded_global]
static LIMIT: u32 = 5;

/// A per-thread copy of `LIMIT`.
#[singleton(scope = thread)]
fn cached_limit() -> u32 {
    LIMIT.read(|l| *l)
}

#[test]
fn a_guarded_write_closure_building_a_thread_scoped_value_that_reads_it_panics() {
    let message = expect_panic("write then build", || {
        LIMIT.write(|l| {
            *l = 6;
            cached_limit::with(|v| *v)
        })
    });
    assert!(message.contains("LIMIT"), "{message}");
    // The write lock was released (poisoned) by the panic: once the poison is
    // cleared, another thread reads the value written and builds.
    LIMIT.clear_poison();
    let seen = run_with_timeout("after", || cached_limit::with(|v| *v));
    assert_eq!(seen.ok(), Some(6));
}
