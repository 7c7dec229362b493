//! Who holds and waits in the graph: a thread, or an async initialiser.
//!
//! A blocking wait blocks its thread, so for the blocking primitives the thread is the
//! one that holds and waits. An async singleton's initialiser is a future: it may be
//! polled by different tasks (when the task driving it is cancelled, the next waiter
//! continues it) on different threads, and one thread runs many tasks between polls.
//! So each run of an async initialiser is an agent of its own, [`Agent::Task`], with an
//! id taken when it starts; while a front-end polls it, [`Driving`] makes it the
//! current agent of the polling thread, so that whatever the initialiser does during
//! the poll (claim a sync singleton, await another async one, take a guarded global)
//! is done by it. A cycle between two initialisers on one thread of a current-thread
//! executor is then a cycle between two agents, not reentrancy of the thread.

use std::cell::Cell;

use crate::sync::{ThreadId, current_thread_id};

/// A holder or waiter of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Agent {
    /// A thread (every blocking caller outside an async initialiser).
    Thread(ThreadId),
    /// One run of an async initialiser, by id.
    Task(u64),
}

#[cfg(not(singleton_loom))]
std::thread_local! {
    static DRIVING: Cell<Option<u64>> = const { Cell::new(None) };
}
#[cfg(singleton_loom)]
loom::thread_local! {
    static DRIVING: Cell<Option<u64>> = Cell::new(None);
}

/// The agent this thread acts for right now.
pub(crate) fn current_agent() -> Agent {
    match DRIVING.try_with(Cell::get).ok().flatten() {
        Some(task) => Agent::Task(task),
        None => Agent::Thread(current_thread_id()),
    }
}

/// A fresh id for a run of an async initialiser.
pub(crate) fn new_task() -> u64 {
    use crate::sync::{AtomicU64, Ordering};
    #[cfg(not(singleton_loom))]
    // singleton-audit: allow(ids of async initialiser runs: the runtime's own counter)
    static NEXT: AtomicU64 = AtomicU64::new(1);
    #[cfg(singleton_loom)]
    loom::lazy_static! {
        // singleton-audit: allow(ids of async initialiser runs under loom)
        static ref NEXT: AtomicU64 = AtomicU64::new(1);
    }
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// While alive, this thread acts for the async initialiser run `task` (restored on
/// drop, also on unwind: polls nest when one initialiser drives another).
#[must_use = "the thread acts for the task until the guard drops"]
pub(crate) struct Driving(Option<u64>);

impl Driving {
    pub(crate) fn start(task: u64) -> Self {
        Self(DRIVING.try_with(|d| d.replace(Some(task))).ok().flatten())
    }
}

impl Drop for Driving {
    fn drop(&mut self) {
        let _ = DRIVING.try_with(|d| d.set(self.0));
    }
}
