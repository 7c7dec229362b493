//! The async front-end of the claim: the graph side of an async initialiser.
//!
//! A blocking caller claims for its thread and sleeps on the graph's condvar. An async
//! initialiser is a future that outlives any one poll and any one task (when the task
//! driving it is cancelled, the next waiter continues it, see `crate::async_singleton`),
//! so its claim is held by an agent of its own, a run id ([`Run`]), and what waits for
//! it are futures, which register their wait once and keep it across polls
//! ([`waits::FutureWait`]). Nothing here sleeps or wakes: wakers are the front-end's
//! business; the graph decides and names.

use super::claim::{self, Claim, ClaimGuard, Then};
use crate::waits::{self, Cycle, Driving, FutureWait, Resource};

/// A claim held for one run of an async initialiser.
pub(crate) struct Run {
    /// Released when the run ends (success, `Err`, panic, or the run dropped).
    _claim: ClaimGuard,
    task: u64,
}

impl Run {
    /// Makes this thread act for the run while it polls the initialiser's future.
    pub(crate) fn driving(&self) -> Driving {
        Driving::start(self.task)
    }
}

/// Claims `resource` for a new run of its async initialiser, held in the graph by the
/// run itself (not by the polling thread, which will run other tasks meanwhile).
/// `None`: the claim is held by a blocking caller; the async front-end takes its claims
/// under a lock of its own, so for it this is a broken invariant.
pub(crate) fn start(resource: &Resource) -> Option<Run> {
    let task = waits::new_task();
    let _acting = Driving::start(task);
    match claim::claim(resource.clone(), || false, Then::Refuse) {
        Claim::Owner(claim) => Some(Run {
            _claim: claim,
            task,
        }),
        // A fresh agent holds nothing, so it is never reentrant; `|| false` is never ready.
        Claim::Busy | Claim::Ready | Claim::Cycle(_) | Claim::Wait(_) => None,
    }
}

/// Registers that the current agent's future waits for `resource` (see
/// [`waits::future_wait`]).
///
/// # Errors
///
/// The [`Cycle`] that waiting would close: the front-end panics with it.
pub(crate) fn wait(resource: Resource) -> Result<Option<FutureWait>, Cycle> {
    waits::future_wait(resource)
}
