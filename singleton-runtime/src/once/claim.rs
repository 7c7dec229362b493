//! One "build once" claim: who builds a value, and what everybody else does meanwhile,
//! decided without sleeping.
//!
//! The claims in progress live in the process-wide wait-for graph (`crate::waits`),
//! keyed by the address of the value being built, so that a claim is at the same time
//! a resource other waits can be blocked on: a cycle through singletons,
//! `#[init_once]` fns, guarded globals and caches is one cycle in one graph.
//!
//! [`claim`] takes the graph's mutex once, and in that one critical section looks at
//! `is_ready`, at the holder of the claim, and (for a caller that will wait) at the
//! cycle its wait would close, then registers what it decided. Nothing sleeps here:
//! [`Claim::Wait`] hands back a registered [`Pending`] for a front-end to sleep on
//! (`super::blocking`), or to drop (which withdraws the wait).

use crate::waits::{self, Cycle, Resource};

/// What a caller does about a value that may not be built yet.
#[must_use = "a claim must be acted on: build, read, wait or report"]
pub(crate) enum Claim {
    /// The value is ready: read it.
    Ready,
    /// This thread builds it; dropping the guard releases the claim (on success after
    /// publishing, or on `Err` or panic), waking every waiter.
    Owner(ClaimGuard),
    /// Another thread builds it and the caller asked not to wait ([`Then::Refuse`]).
    Busy,
    /// Another thread builds it; this thread is registered as waiting for it.
    Wait(Pending),
    /// This thread builds it already (reentrant), or waiting would close a cycle.
    Cycle(Cycle),
}

/// What a caller wants to happen when another thread holds the claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Then {
    /// Register as waiting (after checking for a cycle).
    Wait,
    /// Do not wait: [`Claim::Busy`]. Reentrant claims are still [`Claim::Cycle`].
    Refuse,
}

/// This thread's right to build one value.
#[must_use = "dropping the guard releases the claim"]
pub(crate) struct ClaimGuard {
    key: usize,
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        waits::release(self.key);
    }
}

/// A registered wait for a claim held by another thread: the epoch of the graph when
/// it was decided. The wait is over when a release moves the epoch; dropping a
/// `Pending` withdraws the registration.
#[must_use = "dropping a pending wait withdraws it"]
pub(crate) struct Pending {
    pub(crate) resource: Resource,
    pub(crate) epoch: u64,
    registered: bool,
}

impl Pending {
    /// The front-end has removed the registration itself (under the graph lock it
    /// already held).
    pub(crate) fn withdrawn(mut self) {
        self.registered = false;
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.registered {
            waits::graph().unwait();
        }
    }
}

/// Waits for `resource` to become ready without claiming it (a caller that will never
/// build it): [`Claim::Ready`], [`Claim::Wait`] (registered if a thread is building it,
/// so a cycle through it is seen; unregistered if none is yet: it waits for a future
/// build), or [`Claim::Cycle`].
pub(crate) fn watch(resource: Resource, is_ready: impl Fn() -> bool) -> Claim {
    let locks = waits::held_by_me(resource.key);
    let mut graph = waits::graph();
    if is_ready() {
        return Claim::Ready;
    }
    if graph.holder(resource.key).is_none() {
        return Claim::Wait(Pending {
            resource,
            epoch: graph.epoch(),
            registered: false,
        });
    }
    wait_or_cycle(&mut graph, resource, locks)
}

/// Registers this thread as waiting for `resource`, held by another thread, unless
/// that would close a cycle.
fn wait_or_cycle(graph: &mut waits::Graph, resource: Resource, locks: Vec<Resource>) -> Claim {
    let epoch = graph.epoch();
    match graph.check_and_wait(resource.clone(), locks) {
        Err(cycle) => Claim::Cycle(cycle),
        Ok(()) => Claim::Wait(Pending {
            resource,
            epoch,
            registered: true,
        }),
    }
}

/// Decides what this thread does about `resource`, whose value is ready when
/// `is_ready()` holds (checked under the graph's lock, so a release cannot slip in
/// between).
pub(crate) fn claim(resource: Resource, is_ready: impl Fn() -> bool, then: Then) -> Claim {
    // The guarded globals this thread holds, collected before taking the graph lock
    // (it walks this thread's own frames: no lock involved).
    let locks = if then == Then::Wait {
        waits::held_by_me(resource.key)
    } else {
        Vec::new()
    };
    let mut graph = waits::graph();
    if is_ready() {
        return Claim::Ready;
    }
    match graph.holder(resource.key) {
        None => {
            let key = resource.key;
            graph.hold(resource);
            Claim::Owner(ClaimGuard { key })
        }
        Some(mine) => {
            if !mine && then == Then::Refuse {
                return Claim::Busy;
            }
            wait_or_cycle(&mut graph, resource, locks)
        }
    }
}
