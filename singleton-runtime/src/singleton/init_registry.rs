//! Who is initialising which singleton, and who waits for whom: the slow path's
//! bookkeeping, shared by every [`Singleton`](super::Singleton) in the process.
//!
//! One process-wide mutex guards two small lists: the singletons being initialised
//! (with their owner thread, in the order each thread claimed them) and the threads
//! waiting for one. That is enough to
//! - let exactly one thread initialise a singleton while the others wait (a condvar,
//!   notified whenever a claim is released, by success, `Err` or panic);
//! - see a reentrant claim (the owner asks again) and name the chain from the thread's
//!   own claims, e.g. `alpha -> beta -> alpha`;
//! - see a cycle across threads before sleeping: follow "wanted singleton -> owner ->
//!   singleton that owner waits for -> ..." and panic if it leads back to this thread.
//!   Both checks run under the same mutex as the registration of waits, so the thread
//!   that closes a cycle always sees it.
//!
//! None of this is on the fast path: a singleton that is ready never gets here.

use std::fmt::Write as _;

use crate::sync::{self, Condvar, Mutex, ThreadId, current_thread_id};

struct InProgress {
    key: usize,
    name: &'static str,
    owner: ThreadId,
    /// The owner's name and id, for messages.
    owner_label: String,
}

struct Waiting {
    thread: ThreadId,
    key: usize,
}

struct Registry {
    /// In claim order, so filtering by owner gives that thread's chain of claims.
    in_progress: Vec<InProgress>,
    /// A thread waits for at most one singleton at a time.
    waiting: Vec<Waiting>,
}

// singleton-audit: allow(the runtime's own wait-for registry: #[singleton] and #[init_once] are built on it, so it cannot use them)
#[cfg(not(loom))]
static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    in_progress: Vec::new(),
    waiting: Vec::new(),
});
#[cfg(not(loom))]
static CHANGED: Condvar = Condvar::new();

// singleton-audit: allow(the runtime's own wait-for registry: #[singleton] and #[init_once] are built on it, so it cannot use them)
#[cfg(loom)]
loom::lazy_static! {
    static ref REGISTRY: Mutex<Registry> =
        Mutex::new(Registry { in_progress: Vec::new(), waiting: Vec::new() });
    static ref CHANGED: Condvar = Condvar::new();
}

/// The outcome of [`claim`].
pub(super) enum Claim {
    /// Another thread finished initialising meanwhile: read the value.
    Ready,
    /// This thread initialises; dropping the guard releases the claim.
    Owner(ClaimGuard),
}

/// This thread's right to initialise one singleton. Dropped after the value is
/// published, or on `Err` or panic, so that waiters retry or read.
pub(super) struct ClaimGuard {
    key: usize,
}

impl Drop for ClaimGuard {
    fn drop(&mut self) {
        let mut reg = sync::lock(&REGISTRY);
        reg.in_progress.retain(|p| p.key != self.key);
        drop(reg);
        CHANGED.notify_all();
    }
}

/// Claims the right to initialise the singleton `key`, waiting while another thread
/// holds it. Returns [`Claim::Ready`] as soon as `is_ready` holds.
///
/// # Panics
///
/// If this thread already holds the claim (reentrant initialisation), or if waiting
/// would close a cycle of threads waiting on each other's singletons.
pub(super) fn claim(key: usize, name: &'static str, is_ready: impl Fn() -> bool) -> Claim {
    let me = current_thread_id();
    let mut reg = sync::lock(&REGISTRY);
    loop {
        if is_ready() {
            return Claim::Ready;
        }
        let owner = reg
            .in_progress
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.owner);
        let message = match owner {
            None => {
                reg.in_progress.push(InProgress {
                    key,
                    name,
                    owner: me,
                    owner_label: thread_label(me),
                });
                return Claim::Owner(ClaimGuard { key });
            }
            Some(owner) if owner == me => reg.same_thread_cycle(me, key, name),
            Some(_) => {
                if let Some(message) = reg.cross_thread_cycle(me, key) {
                    message
                } else {
                    reg.waiting.push(Waiting { thread: me, key });
                    reg = sync::wait(&CHANGED, reg);
                    reg.waiting.retain(|w| w.thread != me);
                    continue;
                }
            }
        };
        // Release the registry before unwinding: the claims this thread holds are
        // released by their guards as the panic unwinds through their initialisers.
        drop(reg);
        panic!("{message}");
    }
}

impl Registry {
    /// The names `thread` has claimed, from `from` (a key it holds) to its latest.
    fn chain_from(&self, thread: ThreadId, from: usize) -> Vec<&'static str> {
        let mine = self.in_progress.iter().filter(|p| p.owner == thread);
        mine.skip_while(|p| p.key != from).map(|p| p.name).collect()
    }

    fn same_thread_cycle(&self, me: ThreadId, key: usize, name: &'static str) -> String {
        let mut chain = self.chain_from(me, key);
        let how = if chain.len() > 1 {
            format!(
                "needs `{name}` again, through `{}`",
                chain[1..].join("` -> `")
            )
        } else {
            format!("calls `{name}` itself")
        };
        chain.push(name);
        format!(
            "singleton init cycle: {} (on thread {}): the initialiser of `{name}` {how}; \
             break the cycle so that no initialiser needs, directly or through others, the \
             singleton it is creating",
            chain.join(" -> "),
            thread_label(me),
        )
    }

    /// Follows "wanted -> its owner -> what that owner waits for -> ..." and returns a
    /// message if the path comes back to `me`.
    fn cross_thread_cycle(&self, me: ThreadId, wanted: usize) -> Option<String> {
        let mut others: Vec<(&str, Vec<&'static str>)> = Vec::new();
        let mut key = wanted;
        // Each step visits another thread; more steps than claims means no cycle.
        for _ in 0..=self.in_progress.len() {
            let entry = self.in_progress.iter().find(|p| p.key == key)?;
            let owner = entry.owner;
            if owner == me {
                let mine = self.chain_from(me, key);
                let first = *mine.first()?;
                let mut chain: Vec<&str> = mine.clone();
                for (_, names) in &others {
                    chain.extend(names);
                }
                chain.push(first);
                let mut who = format!(
                    "`{}` is being initialised on thread {} (this thread)",
                    mine.last()?,
                    thread_label(me)
                );
                for (label, names) in &others {
                    let _ = write!(
                        who,
                        "; `{}` on thread {label}",
                        names.last().copied().unwrap_or_default(),
                    );
                }
                return Some(format!(
                    "singleton init cycle across threads: {} ({who}); each waits for the \
                     other, which would deadlock; break the cycle so that no initialiser \
                     needs, directly or through others, the singleton it is creating",
                    chain.join(" -> ")
                ));
            }
            others.push((&entry.owner_label, self.chain_from(owner, key)));
            key = self.waiting.iter().find(|w| w.thread == owner)?.key;
        }
        None
    }
}

/// `'name' (ThreadId(3))`, or the id alone for an unnamed thread. Called on the thread
/// itself, when it first claims or waits.
fn thread_label(id: ThreadId) -> String {
    #[cfg(not(loom))]
    if let Some(name) = std::thread::current().name() {
        return format!("'{name}' ({id:?})");
    }
    format!("{id:?}")
}
