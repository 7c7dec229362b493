//! The waker an async singleton's run is polled with (see `RunWake`).

use std::sync::Arc;
use std::task::{Wake, Waker};

use crate::sync::Mutex;

/// The waker a run is polled with, and the wakers of the futures that wait for it.
///
/// The run's leaf futures hold this waker, not the driver's: a wake is passed on to the
/// driver, or to every waiter when the driver polled the run from inside another async
/// initialiser's run (it started this run while that one awaited it). Such a driver may
/// never be polled again: if that run's callers all go away, it is parked until that
/// singleton is awaited again, and the waiters of this run would never be woken. So a
/// waiter polled after a wake continues the run itself when the driver is such a
/// nested future. A driver polled by a task of its own is left its role (a steal would
/// move the run into whatever the thief is part of), and its waiters are not woken for
/// nothing.
pub(super) struct RunWake(pub(super) Mutex<Wakes>);

/// What [`RunWake`] guards (one lock, taken after the state's, never around user code).
pub(super) struct Wakes {
    /// Set by a wake, cleared by the poll of the run it calls for.
    pub(super) woken: bool,
    /// The waiter that last took the run to poll it, and whether it did so from inside
    /// another async initialiser: then a wake goes to every waiter, else to it alone.
    pub(super) poller: Option<(u64, bool)>,
    /// Every waiting future's waker, by id.
    pub(super) list: Vec<(u64, Waker)>,
}

impl RunWake {
    pub(super) fn new() -> Self {
        Self(Mutex::new(Wakes {
            woken: false,
            poller: None,
            list: Vec::new(),
        }))
    }

    /// Whether the run was woken since it was last taken to be polled, by a poller
    /// that may never poll it again: then any waiter may take it.
    pub(super) fn woken_with_a_nested_poller(&self) -> bool {
        let wakes = self.0.lock();
        wakes.woken && wakes.nested()
    }
}

impl Wakes {
    /// The run's last poller polled it from inside another async initialiser.
    pub(super) fn nested(&self) -> bool {
        self.poller.is_some_and(|(_, nested)| nested)
    }
}

impl Wake for RunWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let wakers: Vec<Waker> = {
            let mut wakes = self.0.lock();
            wakes.woken = true;
            let poller = wakes.poller;
            wakes
                .list
                .iter()
                .filter(|(id, _)| poller.is_none_or(|(p, nested)| nested || p == *id))
                .map(|(_, w)| w.clone())
                .collect()
        };
        // Woken without the lock: a waker's `wake` is user code.
        wakers.into_iter().for_each(Waker::wake);
    }
}
