//! The blocking front-end of the claim: sleep on the wait-for graph's condvar until the
//! claim is released, then decide again.

use super::claim::{self, Claim, ClaimGuard, Then};
use crate::waits::{self, Resource, SlowWait};

/// Claims `resource` for this thread, sleeping while another thread holds it.
/// `None`: the value is ready (`is_ready` held).
///
/// A wait longer than the slow-wait threshold prints one report naming the value and
/// the thread building it (see "Deadlocks we cannot see" on `Singleton`).
///
/// # Panics
///
/// With the [`Cycle`](crate::waits::Cycle) as message, if this thread holds the claim
/// already (reentrant initialisation) or waiting would close a cycle of threads; the
/// panic points at the caller's caller chain (`#[track_caller]` up to the user's call).
#[track_caller]
pub(crate) fn claim(resource: &Resource, is_ready: impl Fn() -> bool) -> Option<ClaimGuard> {
    loop {
        match claim::claim(resource.clone(), &is_ready, Then::Wait) {
            Claim::Ready => return None,
            Claim::Owner(guard) => return Some(guard),
            Claim::Cycle(cycle) => panic!("{cycle}"),
            Claim::Busy => unreachable!("only `Then::Refuse` is told busy"),
            Claim::Wait(pending) => block(pending),
        }
    }
}

/// Sleeps until the claim `pending` waits for is released (or, for a wait registered
/// for nothing, until any claim is), then ends the registered wait.
pub(crate) fn block(pending: claim::Pending) {
    let mut slow = SlowWait::start();
    let mut graph = waits::graph();
    while graph.epoch() == pending.epoch {
        graph = waits::sleep(graph, slow.timeout());
        if let Some(waited) = slow.due() {
            eprintln!(
                "{}",
                graph.slow_wait_report(&pending.resource, waited, None)
            );
        }
    }
    graph.unwait();
    drop(graph);
    pending.withdrawn();
}
