//! Telling subscribers about reloads: a condvar for blocking waits and a list of
//! wakers for futures. Publishing never waits for a subscriber: it wakes them and
//! moves on, and a subscriber that is slow to look sees only the newest value (a
//! subscription reports the latest reload, not every one).
//!
//! No lost wake-up: a store moves `Slot::stores` before [`Reloads::publish`] takes the
//! lock; a subscriber registers (or starts waiting) under the same lock and looks at
//! the count after registering, so either it sees the new count or the publisher sees
//! it registered.

use std::task::Waker;
use std::time::Duration;

use crate::sync::{Condvar, Mutex, MutexGuard, loom_const_fn};

#[derive(Debug)]
struct Waiting {
    /// Futures waiting, by subscription id.
    wakers: Vec<(u64, Waker)>,
    /// The next subscription id.
    next_id: u64,
}

/// A cache's subscribers.
#[derive(Debug)]
pub(crate) struct Reloads {
    waiting: Mutex<Waiting>,
    changed: Condvar,
}

impl Reloads {
    loom_const_fn! {
        pub(crate) fn new() -> Self {
            Self {
                waiting: Mutex::new(Waiting { wakers: Vec::new(), next_id: 0 }),
                changed: Condvar::new(),
            }
        }
    }

    /// A new subscription id.
    pub(crate) fn subscribe(&self) -> u64 {
        let mut waiting = self.waiting.lock();
        waiting.next_id += 1;
        waiting.next_id
    }

    /// Wakes every subscriber (after the slot's store count moved). Wakers run outside
    /// the lock.
    pub(crate) fn publish(&self) {
        let wakers = std::mem::take(&mut self.waiting.lock().wakers);
        self.changed.notify_all();
        for (_, waker) in wakers {
            waker.wake();
        }
    }

    /// Registers `waker` for subscription `id` (replacing its earlier one), then
    /// returns `unchanged()` as seen after registering.
    pub(crate) fn register(
        &self,
        id: u64,
        waker: &Waker,
        unchanged: impl FnOnce() -> bool,
    ) -> bool {
        {
            let mut waiting = self.waiting.lock();
            match waiting.wakers.iter_mut().find(|(of, _)| *of == id) {
                Some((_, old)) => old.clone_from(waker),
                None => waiting.wakers.push((id, waker.clone())),
            }
        }
        unchanged()
    }

    /// Forgets the waker of subscription `id` (a dropped future).
    pub(crate) fn unregister(&self, id: u64) {
        let removed = {
            let mut waiting = self.waiting.lock();
            let at = waiting.wakers.iter().position(|(of, _)| *of == id);
            at.map(|at| waiting.wakers.swap_remove(at))
        };
        drop(removed);
    }

    /// Sleeps until a publish, or `timeout`, whichever is first, unless `unchanged()`
    /// is already false when looked at under the lock.
    pub(crate) fn wait(&self, timeout: Duration, unchanged: impl FnOnce() -> bool) {
        let waiting: MutexGuard<'_, Waiting> = self.waiting.lock();
        if unchanged() {
            drop(self.changed.wait_timeout(waiting, timeout));
        }
    }
}
