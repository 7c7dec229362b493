//! The process-wide wait-for graph: who holds what, and who waits for what, across
//! every primitive of this crate, so that no cycle among them can hang.
//!
//! Modelled on parking_lot's `deadlock.rs` (one detector every lock feeds) and
//! tracing-mutex (cycles of any length), but checked *before* a thread sleeps rather
//! than by a watchdog: a thread about to block asks [`before_wait`] (or
//! [`claim`](crate::once::claim::claim), which decides and registers in one step),
//! and gets the [`Cycle`] instead of sleeping if sleeping would close one. The check
//! and the registration of the wait happen under one mutex, so of the threads that
//! close a cycle, the last one to block always sees it.
//!
//! Resources are keyed by address and come in two sorts:
//! - *claims* (a singleton or `#[init_once]` being initialised) are registered by their
//!   owner with [`Graph::hold`] when taken and removed when released: they are slow
//!   paths already;
//! - *locks* (guarded globals) and *loads* (a cache being loaded) are taken on paths
//!   that must stay cheap (a guarded read is one load; a strict cache checks on every
//!   call), so they are not registered when taken. Instead, a thread publishes what it
//!   holds of them when it starts to wait for anything: its guarded globals come from
//!   its own frame stack (`guarded::held::wait_context`), its loads from a thread-local
//!   list ([`Published`]). That is enough: a cycle needs every thread on it to be
//!   blocked, and a blocked thread has published what it holds.
//!
//! Nothing here is on a fast path; all of it runs under one internal mutex, which is
//! never held across user code or a sleep (the condvar wait releases it).

use std::borrow::Cow;
use std::fmt;

#[cfg(not(singleton_loom))]
use crate::sync::{Condvar, Mutex, MutexGuard};

/// What kind of primitive a resource is, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Singleton,
    InitOnce,
    GuardedGlobal,
    /// A `Guarded<T>` field.
    GuardedField,
    Cache,
    /// The lock of `singleton_runtime::env`'s scopes.
    Environment,
    /// One thread's instance of a thread-scoped singleton, pinned by a `for_each`.
    ThreadScoped,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Singleton => "singleton",
            Kind::InitOnce => "#[init_once] fn",
            Kind::GuardedGlobal => "guarded global",
            Kind::GuardedField => "guarded field",
            Kind::Cache => "invalidating cache",
            Kind::Environment => "lock of `singleton_runtime::env` scopes",
            Kind::ThreadScoped => "thread-scoped singleton's instance, visited by `for_each`",
        }
    }
}

/// How a thread holds a resource, or what it waits for on one. Only guarded globals
/// are ever anything but [`Access::Exclusive`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Held alone (a claim, a cache being loaded, the environment lock, a guarded
    /// global's write or build); waited for: blocked by the thread holding it alone
    /// (for a guarded global: by its writer, also one still draining readers).
    Exclusive,
    /// A guarded global's read: blocks writers only, never another reader.
    Shared,
    /// Waited for by a writer that holds the write bit and waits for the readers to
    /// leave: blocked by the readers, and blocking every other access meanwhile.
    Draining,
}

/// One thing a thread can hold or wait for.
#[derive(Clone, Debug)]
pub(crate) struct Resource {
    /// The address of the primitive (its lock, cell or core): unique while it lives.
    pub(crate) key: usize,
    pub(crate) kind: Kind,
    /// As messages print it, with backticks (a cache's name is its path).
    pub(crate) name: Cow<'static, str>,
    /// How it is held or waited for.
    pub(crate) access: Access,
}

impl Resource {
    /// A resource named by a Rust identifier (printed in backticks).
    pub(crate) fn named(key: usize, kind: Kind, name: &'static str) -> Self {
        Self {
            key,
            kind,
            name: Cow::Owned(format!("`{name}`")),
            access: Access::Exclusive,
        }
    }

    /// A resource whose name is already formatted for messages.
    pub(crate) fn described(key: usize, kind: Kind, name: String) -> Self {
        Self {
            key,
            kind,
            name: Cow::Owned(name),
            access: Access::Exclusive,
        }
    }

    /// The same resource, held or waited for as `access`.
    pub(crate) fn with_access(self, access: Access) -> Self {
        Self { access, ..self }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.kind.noun())
    }
}

mod agent;
mod cycle;
mod graph;
mod slow;

pub(crate) use agent::{Driving, new_task};

pub(crate) use cycle::Cycle;
pub(crate) use graph::Graph;
pub(crate) use slow::SlowWait;

#[cfg(not(singleton_loom))]
// singleton-audit: allow(the wait-for graph every primitive of the runtime feeds: #[guarded_global] is built on it)
static GRAPH: Mutex<Graph> = Mutex::new(Graph::new());
#[cfg(not(singleton_loom))]
static CHANGED: Condvar = Condvar::new();

/// The locked graph.
#[cfg(not(singleton_loom))]
pub(crate) type GraphGuard = MutexGuard<'static, Graph>;

/// Locks the graph.
#[cfg(not(singleton_loom))]
pub(crate) fn graph() -> GraphGuard {
    GRAPH.lock()
}

/// Sleeps on the graph's condvar (woken by every [`release`]), for at most `timeout`.
#[cfg(not(singleton_loom))]
pub(crate) fn sleep(graph: GraphGuard, timeout: Option<std::time::Duration>) -> GraphGuard {
    match timeout {
        None => CHANGED.wait(graph),
        Some(timeout) => CHANGED.wait_timeout(graph, timeout),
    }
}

#[cfg(singleton_loom)]
pub(crate) use model::{graph, sleep};

/// Under loom, the graph is a std mutex (one per model execution) taken with a
/// `try_lock` + `yield_now` spin, plus a loom atomic that every lock acquires and every
/// unlock releases, so that the model sees the happens-before the mutex gives.
///
/// Not a loom `Mutex`: all model threads share one OS thread, so a model thread that
/// releases a claim while unwinding would make loom's own lock poison (and unwrap) for
/// the model thread it switches to. Poison of this std mutex is ignored, as everywhere.
#[cfg(singleton_loom)]
mod model {
    use super::Graph;
    use crate::sync::{AtomicUsize, Ordering::AcqRel};

    loom::lazy_static! {
        // singleton-audit: allow(the wait-for graph under loom)
        static ref GRAPH: std::sync::Mutex<Graph> = std::sync::Mutex::new(Graph::new());
        static ref TOKEN: AtomicUsize = AtomicUsize::new(0);
    }

    pub(crate) struct GraphGuard(Option<std::sync::MutexGuard<'static, Graph>>);

    impl std::ops::Deref for GraphGuard {
        type Target = Graph;
        fn deref(&self) -> &Graph {
            self.0.as_ref().unwrap_or_else(|| unreachable!())
        }
    }

    impl std::ops::DerefMut for GraphGuard {
        fn deref_mut(&mut self) -> &mut Graph {
            self.0.as_mut().unwrap_or_else(|| unreachable!())
        }
    }

    impl Drop for GraphGuard {
        fn drop(&mut self) {
            TOKEN.fetch_add(1, AcqRel);
            drop(self.0.take());
        }
    }

    pub(crate) fn graph() -> GraphGuard {
        let guard = loop {
            match GRAPH.try_lock() {
                Ok(guard) => break guard,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => break poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => loom::thread::yield_now(),
            }
        };
        TOKEN.fetch_add(1, AcqRel);
        GraphGuard(Some(guard))
    }

    /// Lets another model thread run, then looks again.
    pub(crate) fn sleep(graph: GraphGuard, _: Option<std::time::Duration>) -> GraphGuard {
        drop(graph);
        loom::thread::yield_now();
        self::graph()
    }
}

// Resources this thread holds without registering them in the graph (a cache it is
// loading), innermost last; published with its waits, like guarded globals.
#[cfg(not(singleton_loom))]
std::thread_local! {
    static PUBLISHED: std::cell::RefCell<Vec<Resource>> = const { std::cell::RefCell::new(Vec::new()) };
}
#[cfg(singleton_loom)]
loom::thread_local! {
    static PUBLISHED: std::cell::RefCell<Vec<Resource>> = std::cell::RefCell::new(Vec::new());
}

/// This thread holds a resource until the guard drops; the graph learns of it only if
/// the thread waits meanwhile (see the module docs). Costs no lock.
#[must_use = "the resource is held until the guard drops"]
pub(crate) struct Published(usize);

impl Published {
    pub(crate) fn new(resource: Resource) -> Self {
        let key = resource.key;
        let _ = PUBLISHED.try_with(|p| p.borrow_mut().push(resource));
        Self(key)
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        let _ = PUBLISHED.try_with(|p| {
            let mut p = p.borrow_mut();
            if let Some(at) = p.iter().rposition(|r| r.key == self.0) {
                p.remove(at);
            }
        });
    }
}

/// For a thread about to wait for `key`: the name of the guarded global `key` if this
/// thread is taking it, and everything it holds that the graph does not know of (its
/// guarded globals and the caches it is loading), `key` excepted.
pub(crate) fn wait_context(key: usize) -> (Option<&'static str>, Vec<Resource>) {
    let (name, mut held) = crate::guarded::wait_context(key);
    let _ = PUBLISHED.try_with(|p| {
        held.extend(p.borrow().iter().filter(|r| r.key != key).cloned());
    });
    (name, held)
}

/// [`wait_context`] without the name.
pub(crate) fn held_by_me(key: usize) -> Vec<Resource> {
    wait_context(key).1
}

/// Removes this thread's hold on `key` and wakes claim waiters.
pub(crate) fn release(key: usize) {
    let mut graph = graph();
    graph.release(key);
    drop(graph);
    #[cfg(not(singleton_loom))]
    CHANGED.notify_all();
}

/// Checks whether this thread may sleep waiting for `on` (while holding the guarded
/// globals `locks`), and if so registers the wait until the returned ticket drops.
///
/// # Errors
///
/// The [`Cycle`] that sleeping would close.
pub(crate) fn before_wait(on: Resource, locks: Vec<Resource>) -> Result<WaitTicket, Cycle> {
    let mut graph = graph();
    graph.check_and_wait(on, locks)?;
    Ok(WaitTicket(()))
}

/// This thread's registered wait; dropping it ends the wait.
#[must_use = "dropping the ticket ends the registered wait"]
pub(crate) struct WaitTicket(());

impl Drop for WaitTicket {
    fn drop(&mut self) {
        graph().unwait();
    }
}

/// The registered wait of a future for a value being built (the async front-end):
/// it lasts across polls; dropping it withdraws it.
#[must_use = "dropping the wait withdraws it"]
pub(crate) struct FutureWait(u64);

impl Drop for FutureWait {
    fn drop(&mut self) {
        graph().unwait_token(self.0);
    }
}

/// Whether this thread polls an async initialiser right now (what it runs is part of
/// that run, which is parked, unpolled, when its callers all go away).
pub(crate) fn in_async_init() -> bool {
    matches!(agent::current_agent(), agent::Agent::Task(_))
}

/// Registers that the current agent's future waits for `on`, unless that would close a
/// cycle. Only an agent that can be on a cycle registers: an async initialiser, or a
/// thread holding a claim or a guarded global (it is inside a blocking initialiser or
/// lock, so it waits for the future in a `block_on`). Any other caller holds nothing,
/// so no cycle goes through it: `Ok(None)`, and nothing to withdraw.
///
/// # Errors
///
/// The [`Cycle`] that waiting would close.
pub(crate) fn future_wait(on: Resource) -> Result<Option<FutureWait>, Cycle> {
    let locks = held_by_me(on.key);
    let mut graph = graph();
    let task = matches!(agent::current_agent(), agent::Agent::Task(_));
    if !task && locks.is_empty() && !graph.holds_any() {
        return Ok(None);
    }
    let token = new_task();
    graph.check_and_wait_token(on, locks, token)?;
    Ok(Some(FutureWait(token)))
}
