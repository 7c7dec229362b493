//! Overrides and resets of thread-scoped singletons, as a user's tests write them:
//! per-thread, so a non-`Send` value (`Rc`, `Cell`) is a fine override.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use singleton_runtime::singleton;
use singleton_runtime::testing::ThreadOverrideGuard;

#[singleton(scope = thread)]
fn session() -> Rc<Cell<u32>> {
    Rc::new(Cell::new(1))
}

#[singleton(scope = thread)]
#[derive(Default)]
pub struct Stats {
    served: AtomicU64,
}

fn main() {
    let shared = Rc::new(Cell::new(7));
    session::override_with(shared.clone(), || {
        session::with(|s| s.set(8));
    });
    assert_eq!(shared.get(), 8);
    let guard: ThreadOverrideGuard<Rc<Cell<u32>>> = session::override_guard(Rc::new(Cell::new(2)));
    assert_eq!(session::with(|s| s.get()), 2);
    drop(guard);
    session::reset();

    Stats::with_instance(|s| s.served.fetch_add(1, Ordering::Relaxed));
    let _guard = Stats::override_instance_guard(Stats::default());
    Stats::override_instance(Stats::default(), || ());
    Stats::reset_instance();
    let mut total = 0;
    Stats::for_each_instance(|s| total += s.served.load(Ordering::Relaxed));
    assert_eq!(total, 0, "the reset dropped this thread's only instance");
}
