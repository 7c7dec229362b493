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
use std::fmt::{self, Write as _};

#[cfg(not(singleton_loom))]
use crate::sync::{Condvar, Mutex, MutexGuard};
use crate::sync::{Thread, ThreadId, current_thread, current_thread_id, label, thread_label};

/// What kind of primitive a resource is, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Singleton,
    InitOnce,
    GuardedGlobal,
    Cache,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Singleton => "singleton",
            Kind::InitOnce => "#[init_once] fn",
            Kind::GuardedGlobal => "guarded global",
            Kind::Cache => "invalidating cache",
        }
    }
}

/// One thing a thread can hold or wait for.
#[derive(Clone, Debug)]
pub(crate) struct Resource {
    /// The address of the primitive (its lock, cell or core): unique while it lives.
    pub(crate) key: usize,
    pub(crate) kind: Kind,
    /// As messages print it, with backticks (a cache's name is its path).
    pub(crate) name: Cow<'static, str>,
}

impl Resource {
    /// A resource named by a Rust identifier (printed in backticks).
    pub(crate) fn named(key: usize, kind: Kind, name: &'static str) -> Self {
        Self {
            key,
            kind,
            name: Cow::Owned(format!("`{name}`")),
        }
    }

    /// A resource whose name is already formatted for messages.
    pub(crate) fn described(key: usize, kind: Kind, name: String) -> Self {
        Self {
            key,
            kind,
            name: Cow::Owned(name),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.kind.noun())
    }
}

/// A claim held by a thread.
struct Hold {
    resource: Resource,
    thread: ThreadId,
    /// For its label, formatted only for a message.
    handle: Thread,
}

/// A thread blocked (or about to block) on a resource.
struct Wait {
    thread: ThreadId,
    handle: Thread,
    on: Resource,
    /// The guarded globals it holds while it waits (see the module docs).
    locks: Vec<Resource>,
}

/// The graph. Only reachable through [`graph`], under its mutex.
pub(crate) struct Graph {
    /// In the order they were taken, so one thread's holds read as its chain.
    holds: Vec<Hold>,
    /// At most one per thread.
    waits: Vec<Wait>,
    /// Bumped by every release: a claim waiter sleeps until it moves.
    epoch: u64,
}

/// A thread on a cycle: it holds `holds` and waits for `waits_for`.
#[derive(Clone, Debug)]
struct Link {
    thread: String,
    holds: Resource,
    waits_for: Resource,
}

/// Sleeping would close this cycle of threads waiting for each other's resources.
/// Its `Display` is the panic message: every resource and thread on the cycle.
#[derive(Clone, Debug)]
pub(crate) struct Cycle {
    /// `r0 -> r1 -> ... -> r0`: the first is what this thread holds, the second what
    /// it wants.
    chain: Vec<Resource>,
    /// The threads, this one first; empty for a cycle on this thread alone.
    links: Vec<Link>,
    /// This thread's label.
    me: String,
}

impl Cycle {
    /// The cycle lies on this thread alone (a reentrant claim).
    pub(crate) fn is_reentrant(&self) -> bool {
        self.links.is_empty()
    }

    /// The resource this thread wanted.
    pub(crate) fn wanted(&self) -> &Resource {
        &self.chain[self.chain.len() - 1]
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let only_singletons = self.chain.iter().all(|r| r.kind == Kind::Singleton);
        let what = if only_singletons {
            "singleton init cycle"
        } else {
            "wait cycle"
        };
        let names: Vec<&str> = self.chain.iter().map(|r| &*r.name).collect();
        let names = names.join(" -> ").replace('`', "");
        if self.is_reentrant() {
            let wanted = self.wanted();
            let how = if self.chain.len() > 2 {
                let through: Vec<&str> = self.chain[1..self.chain.len() - 1]
                    .iter()
                    .map(|r| &*r.name)
                    .collect();
                format!(
                    "needs {} again, through {}",
                    wanted.name,
                    through.join(" -> ")
                )
            } else {
                format!("calls {} itself", wanted.name)
            };
            return write!(
                f,
                "{what}: {names} (on thread {}): the initialiser of {wanted} {how}; break the \
                 cycle so that no initialiser needs, directly or through others, the value \
                 it is creating",
                self.me
            );
        }
        let mut who = String::new();
        for (i, link) in self.links.iter().enumerate() {
            let this = if i == 0 { " (this thread)" } else { "" };
            let _ = write!(
                who,
                "{}thread {}{this} holds {} and waits for {}",
                if i == 0 { "" } else { "; " },
                link.thread,
                link.holds,
                link.waits_for.name,
            );
        }
        write!(
            f,
            "{what} across threads: {names} ({who}); each waits for the next, which would \
             deadlock, so this thread panics instead of sleeping; break the cycle so that \
             nothing done while holding one of these needs, directly or through others, \
             another one on it"
        )
    }
}

#[cfg(not(singleton_loom))]
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

impl Graph {
    const fn new() -> Self {
        Self {
            holds: Vec::new(),
            waits: Vec::new(),
            epoch: 0,
        }
    }

    /// The epoch, which every release moves.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The label of the thread holding the claim `key`, if any, and whether that
    /// thread is this one.
    /// Whether the claim `key` is held, and if so whether by this thread.
    pub(crate) fn holder(&self, key: usize) -> Option<bool> {
        let me = current_thread_id();
        self.holds
            .iter()
            .find(|h| h.resource.key == key)
            .map(|h| h.thread == me)
    }

    pub(crate) fn hold(&mut self, resource: Resource) {
        let handle = current_thread();
        self.holds.push(Hold {
            resource,
            thread: handle.id(),
            handle,
        });
    }

    fn release(&mut self, key: usize) {
        let me = current_thread_id();
        self.holds
            .retain(|h| !(h.resource.key == key && h.thread == me));
        self.epoch += 1;
    }

    /// Ends this thread's registered wait.
    pub(crate) fn unwait(&mut self) {
        let me = current_thread_id();
        self.waits.retain(|w| w.thread != me);
    }

    /// The cycle that this thread (holding its claims and `locks`) would close by
    /// waiting for `on`; if none, registers the wait.
    pub(crate) fn check_and_wait(
        &mut self,
        on: Resource,
        locks: Vec<Resource>,
    ) -> Result<(), Cycle> {
        if let Some(cycle) = self.find_cycle(&on, &locks) {
            return Err(cycle);
        }
        let handle = current_thread();
        let me = handle.id();
        self.waits.retain(|w| w.thread != me);
        self.waits.push(Wait {
            thread: me,
            handle,
            on,
            locks,
        });
        Ok(())
    }

    /// Who holds `key`: claim holders, and waiting threads that hold it as a lock;
    /// this thread too if `my_locks` has it. Each with the resource as they hold it.
    fn holders(
        &self,
        key: usize,
        me: ThreadId,
        my_locks: &[Resource],
    ) -> Vec<(ThreadId, Resource)> {
        let mut found: Vec<(ThreadId, Resource)> = self
            .holds
            .iter()
            .filter(|h| h.resource.key == key)
            .map(|h| (h.thread, h.resource.clone()))
            .collect();
        for wait in &self.waits {
            if let Some(lock) = wait.locks.iter().find(|l| l.key == key) {
                found.push((wait.thread, lock.clone()));
            }
        }
        if let Some(lock) = my_locks.iter().find(|l| l.key == key) {
            found.push((me, lock.clone()));
        }
        found
    }

    fn label_of(&self, thread: ThreadId) -> String {
        self.waits
            .iter()
            .find(|w| w.thread == thread)
            .map(|w| label(&w.handle))
            .or_else(|| {
                self.holds
                    .iter()
                    .find(|h| h.thread == thread)
                    .map(|h| label(&h.handle))
            })
            .unwrap_or_else(|| format!("{thread:?}"))
    }

    /// Depth-first over "resource -> its holders -> what each waits for -> ...",
    /// looking for this thread.
    fn find_cycle(&self, on: &Resource, my_locks: &[Resource]) -> Option<Cycle> {
        let me = current_thread_id();
        // path[i] = (resource waited for, the holder of it that we followed).
        let mut path: Vec<(Resource, ThreadId)> = Vec::new();
        let mut visited: Vec<ThreadId> = Vec::new();
        if self.search(me, on, my_locks, &mut path, &mut visited) {
            Some(self.cycle(me, path))
        } else {
            None
        }
    }

    fn search(
        &self,
        me: ThreadId,
        wanted: &Resource,
        my_locks: &[Resource],
        path: &mut Vec<(Resource, ThreadId)>,
        visited: &mut Vec<ThreadId>,
    ) -> bool {
        for (holder, held) in self.holders(wanted.key, me, my_locks) {
            // The holder's own record names the resource best (a waiter may not know
            // a cache's path).
            path.push((held, holder));
            if holder == me {
                return true;
            }
            if !visited.contains(&holder) {
                visited.push(holder);
                if let Some(wait) = self.waits.iter().find(|w| w.thread == holder)
                    && self.search(me, &wait.on, my_locks, path, visited)
                {
                    return true;
                }
            }
            path.pop();
        }
        false
    }

    fn cycle(&self, me: ThreadId, path: Vec<(Resource, ThreadId)>) -> Cycle {
        let me_label = thread_label();
        if path.len() == 1 {
            // Reentrant: this thread holds what it wants. Its chain: its claims from
            // that one on, in the order it took them.
            let (wanted, _) = path.into_iter().next().unwrap_or_else(|| unreachable!());
            let mut chain: Vec<Resource> = self
                .holds
                .iter()
                .filter(|h| h.thread == me)
                .skip_while(|h| h.resource.key != wanted.key)
                .map(|h| h.resource.clone())
                .collect();
            if chain.is_empty() {
                chain.push(wanted.clone());
            }
            chain.push(wanted);
            return Cycle {
                chain,
                links: Vec::new(),
                me: me_label,
            };
        }
        // path: me waits for path[0].0, held by path[0].1, which waits for path[1].0,
        // ..., held by path[n].1 == me.
        let n = path.len();
        let mut chain = vec![path[n - 1].0.clone()];
        chain.extend(path.iter().map(|(r, _)| r.clone()));
        let mut links = vec![Link {
            thread: me_label.clone(),
            holds: path[n - 1].0.clone(),
            waits_for: path[0].0.clone(),
        }];
        for i in 0..n - 1 {
            links.push(Link {
                thread: self.label_of(path[i].1),
                holds: path[i].0.clone(),
                waits_for: path[i + 1].0.clone(),
            });
        }
        Cycle {
            chain,
            links,
            me: me_label,
        }
    }

    /// For a wait on `key` that has gone on for `waited`: who holds it, and, following
    /// the holders' own waits, the thread at the end of the chain, which runs or is
    /// blocked outside this crate's primitives.
    pub(crate) fn slow_wait_report(
        &self,
        on: &Resource,
        waited: std::time::Duration,
        owner: Option<&Thread>,
    ) -> String {
        let me = current_thread_id();
        // The holder's record names the resource best (a waiter may not know a cache's
        // path).
        let on = self
            .holds
            .iter()
            .find(|h| h.resource.key == on.key)
            .map_or(on, |h| &h.resource);
        let mut report = format!(
            "singleton-runtime: thread {} has waited {:.1} s for {on}",
            thread_label(),
            waited.as_secs_f64()
        );
        let mut key = on.key;
        let mut seen = vec![me];
        // A holder the graph does not know (a cache's loader that waits for nothing of
        // ours) is named by the caller.
        let mut owner = owner;
        loop {
            let (holder, label) = match (self.holders(key, me, &[]).first(), owner.take()) {
                (Some(&(holder, _)), _) => (holder, self.label_of(holder)),
                (None, Some(owner)) => (owner.id(), label(owner)),
                (None, None) => {
                    report.push_str(", which no thread is building right now");
                    break;
                }
            };
            let _ = write!(report, ", held by thread {label}");
            match self.waits.iter().find(|w| w.thread == holder) {
                Some(wait) if !seen.contains(&holder) => {
                    seen.push(holder);
                    let _ = write!(report, ", which waits for {}", wait.on);
                    key = wait.on.key;
                }
                _ => {
                    let _ = write!(
                        report,
                        ", which is not waiting for any singleton, #[init_once] fn, guarded \
                         global or invalidating cache: it is still working, or blocked on \
                         something this crate cannot see. If it waits for this thread (a \
                         `join`, a channel, a lock of another kind), this is a deadlock: \
                         see \"Deadlocks we cannot see\" in the docs of `Singleton`"
                    );
                    break;
                }
            }
        }
        report
    }
}

/// How long a claim or cache waiter waits before it prints [`Graph::slow_wait_report`]:
/// `SINGLETON_RUNTIME_WAIT_WARN_MS` (milliseconds, `off` for never), read once;
/// 10 s by default.
pub(crate) fn slow_wait_threshold() -> Option<std::time::Duration> {
    #[cfg(not(singleton_loom))]
    {
        static THRESHOLD: std::sync::OnceLock<Option<std::time::Duration>> =
            std::sync::OnceLock::new();
        *THRESHOLD.get_or_init(|| {
            match std::env::var("SINGLETON_RUNTIME_WAIT_WARN_MS").as_deref() {
                Ok("off") => None,
                Ok(ms) => Some(std::time::Duration::from_millis(
                    ms.trim().parse().unwrap_or(DEFAULT_WARN_MS),
                )),
                Err(_) => Some(std::time::Duration::from_millis(DEFAULT_WARN_MS)),
            }
        })
    }
    #[cfg(singleton_loom)]
    None
}

#[cfg(not(singleton_loom))]
const DEFAULT_WARN_MS: u64 = 10_000;

/// Tracks one wait against [`slow_wait_threshold`]: how long to sleep next, and
/// whether the report is due (once per wait).
pub(crate) struct SlowWait {
    start: std::time::Instant,
    threshold: Option<std::time::Duration>,
}

impl SlowWait {
    pub(crate) fn start() -> Self {
        Self {
            start: std::time::Instant::now(),
            threshold: slow_wait_threshold(),
        }
    }

    /// How long to sleep at most before calling [`due`](Self::due) again.
    pub(crate) fn timeout(&self) -> Option<std::time::Duration> {
        self.threshold.map(|t| {
            t.saturating_sub(self.start.elapsed())
                .max(std::time::Duration::from_millis(1))
        })
    }

    /// If the threshold has passed (the first time), how long this has waited.
    pub(crate) fn due(&mut self) -> Option<std::time::Duration> {
        let threshold = self.threshold?;
        let waited = self.start.elapsed();
        if waited < threshold {
            return None;
        }
        self.threshold = None;
        Some(waited)
    }
}
