//! Lock-order checking: the first time two guarded globals are taken in an order that
//! inverts one seen before (`A` then `B` somewhere, `B` then `A` now, on any threads),
//! panic naming both, before the inversion can ever deadlock.
//!
//! On in debug builds; in release builds only with the `lock-order` feature, and
//! otherwise compiled out (`ENABLED` is a constant false, so no cost at all).
//!
//! The record is process-wide: a map from (held, taken) pairs of global ids to where
//! the pair was first seen. Ids, not addresses, so that a dropped local global whose
//! address is reused cannot be confused with a new one.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Whether lock order is tracked in this build.
pub(crate) const ENABLED: bool = cfg!(all(
    not(loom),
    any(debug_assertions, feature = "lock-order")
));

/// A global's lock-order id, assigned on first use.
#[derive(Debug)]
pub(crate) struct OrderId(AtomicUsize);

impl OrderId {
    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// The id, assigning a fresh one on first call.
    pub(crate) fn get(&self) -> usize {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let id = self.0.load(Relaxed);
        if id != 0 {
            return id;
        }
        let fresh = NEXT.fetch_add(1, Relaxed);
        match self.0.compare_exchange(0, fresh, Relaxed, Relaxed) {
            Ok(_) => fresh,
            Err(won) => won,
        }
    }
}

/// Where an ordered pair was first seen.
struct FirstSeen {
    held: &'static str,
    taken: &'static str,
    thread: String,
}

// singleton-audit: allow(the lock-order checker's own table: #[guarded_global] is built on it)
static SEEN: Mutex<BTreeMap<(usize, usize), FirstSeen>> = Mutex::new(BTreeMap::new());

/// Records that `taken` is being taken while this thread holds `held` (ids and names), and panics if
/// some earlier pair took them the other way round.
#[track_caller]
pub(crate) fn check(held: &[(usize, &'static str)], taken: usize, taken_name: &'static str) {
    let mut inversion = None;
    {
        let mut seen = SEEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for &(outer, outer_name) in held.iter().filter(|(id, _)| *id != taken) {
            if let Some(first) = seen.get(&(taken, outer)) {
                inversion = Some((outer_name, first.held, first.taken, first.thread.clone()));
                break;
            }
            seen.entry((outer, taken)).or_insert_with(|| FirstSeen {
                held: outer_name,
                taken: taken_name,
                thread: thread_label(),
            });
        }
    }
    if let Some((holding, first_held, first_taken, thread)) = inversion {
        panic!(
            "lock order inversion: taking guarded global `{taken_name}` while holding \
             `{holding}`, but `{first_taken}` was taken while holding `{first_held}` before \
             (first seen on thread {thread}); two threads doing this at once deadlock. \
             Take them in one order everywhere (`{first_held}` before `{first_taken}`), or \
             copy what you need out of one before taking the other"
        );
    }
}

fn thread_label() -> String {
    let thread = std::thread::current();
    match thread.name() {
        Some(name) => format!("'{name}'"),
        None => format!("{:?}", thread.id()),
    }
}
