//! The graph itself: claims held, threads waiting, and the searches over them.

use std::fmt::Write as _;

use super::agent::{Agent, current_agent};
use super::cycle::Link;
use super::{Access, Cycle, Resource};
use crate::sync::{Thread, current_thread, label, thread_label};

/// A claim held by a thread or an async initialiser ([`Agent`]).
struct Hold {
    resource: Resource,
    thread: Agent,
    /// For its label, formatted only for a message: the thread that took it.
    handle: Thread,
}

/// A thread blocked (or about to block) on a resource, or an async initialiser whose
/// future waits for one (then with a `token`: a future may wait for several at once).
struct Wait {
    thread: Agent,
    token: Option<u64>,
    handle: Thread,
    on: Resource,
    /// The guarded globals it holds while it waits (see the module docs).
    locks: Vec<Resource>,
}

/// The graph. Only reachable through [`graph`](fn@super::graph), under its mutex.
pub(crate) struct Graph {
    /// In the order they were taken, so one thread's holds read as its chain.
    holds: Vec<Hold>,
    /// At most one blocking wait (no token) per agent.
    waits: Vec<Wait>,
    /// Bumped by every release: a claim waiter sleeps until it moves.
    epoch: u64,
}

impl Graph {
    pub(super) const fn new() -> Self {
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
        let me = current_agent();
        self.holds
            .iter()
            .find(|h| h.resource.key == key)
            .map(|h| h.thread == me)
    }

    pub(crate) fn hold(&mut self, resource: Resource) {
        self.holds.push(Hold {
            resource,
            thread: current_agent(),
            handle: current_thread(),
        });
    }

    /// Ends the claim `key`, whoever holds it: a claim has one holder at a time, and an
    /// async initialiser's claim may end on any thread.
    pub(super) fn release(&mut self, key: usize) {
        self.holds.retain(|h| h.resource.key != key);
        self.epoch += 1;
    }

    /// Whether some thread or task is registered as waiting for `key` (tests).
    #[cfg(all(test, not(singleton_loom)))]
    pub(crate) fn is_awaited(&self, key: usize) -> bool {
        self.waits.iter().any(|w| w.on.key == key)
    }

    pub(crate) fn holds_any(&self) -> bool {
        let me = current_agent();
        self.holds.iter().any(|h| h.thread == me)
    }

    /// Ends this thread's registered (blocking) wait.
    pub(crate) fn unwait(&mut self) {
        let me = current_agent();
        self.waits
            .retain(|w| !(w.thread == me && w.token.is_none()));
    }

    /// Ends the future's wait registered with `token`.
    pub(crate) fn unwait_token(&mut self, token: u64) {
        self.waits.retain(|w| w.token != Some(token));
    }

    /// [`check_and_wait`](Self::check_and_wait) for a future waiting for `on` (its
    /// wait lasts across polls, until [`unwait_token`](Self::unwait_token)).
    pub(crate) fn check_and_wait_token(
        &mut self,
        on: Resource,
        locks: Vec<Resource>,
        token: u64,
    ) -> Result<(), Cycle> {
        if let Some(cycle) = self.find_cycle(&on, &locks) {
            return Err(cycle);
        }
        self.waits.push(Wait {
            thread: current_agent(),
            token: Some(token),
            handle: current_thread(),
            on,
            locks,
        });
        Ok(())
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
        let me = current_agent();
        self.waits
            .retain(|w| !(w.thread == me && w.token.is_none()));
        self.waits.push(Wait {
            thread: me,
            token: None,
            handle: current_thread(),
            on,
            locks,
        });
        Ok(())
    }

    /// Who holds `key`: claim holders, and waiting threads that hold it as a lock;
    /// this thread too if `my_locks` has it. Each with the resource as they hold it.
    ///
    /// Readers of a guarded global block only a writer draining them; every other wait
    /// on it is blocked by its writer, which holds it (published) or is still draining
    /// the readers (a wait of its own). `my_wait`: what this thread is about to wait for.
    fn holders(
        &self,
        wanted: &Resource,
        me: Agent,
        my_locks: &[Resource],
        my_wait: Option<&Resource>,
    ) -> Vec<(Agent, Resource)> {
        let key = wanted.key;
        let blocks = |held: &&Resource| {
            held.key == key && (wanted.access == Access::Draining || held.access != Access::Shared)
        };
        let mut found: Vec<(Agent, Resource)> = self
            .holds
            .iter()
            .filter(|h| h.resource.key == key)
            .map(|h| (h.thread, h.resource.clone()))
            .collect();
        for wait in &self.waits {
            if let Some(lock) = wait.locks.iter().find(blocks) {
                found.push((wait.thread, lock.clone()));
            } else if wanted.access != Access::Draining
                && wait.thread != me
                && wait.on.key == key
                && wait.on.access == Access::Draining
            {
                found.push((wait.thread, wait.on.clone()));
            }
        }
        if let Some(lock) = my_locks.iter().find(blocks) {
            found.push((me, lock.clone()));
        } else if wanted.access != Access::Draining
            && my_wait.is_some_and(|on| on.key == key && on.access == Access::Draining)
        {
            // This thread is the writer about to drain: not registered yet.
            found.extend(my_wait.map(|on| (me, on.clone())));
        }
        found
    }

    /// How messages name an agent: `thread 'name' (ThreadId(3))`, or `the async
    /// initialiser of `a` (task 7)`.
    fn label_of(&self, thread: Agent) -> String {
        if let Agent::Task(task) = thread {
            return match self.holds.iter().find(|h| h.thread == thread) {
                Some(h) => format!("the async initialiser of {} (task {task})", h.resource.name),
                None => format!("async initialiser task {task}"),
            };
        }
        let label = self
            .waits
            .iter()
            .find(|w| w.thread == thread)
            .map(|w| label(&w.handle))
            .or_else(|| {
                self.holds
                    .iter()
                    .find(|h| h.thread == thread)
                    .map(|h| label(&h.handle))
            })
            .unwrap_or_else(|| match thread {
                Agent::Thread(_) if thread == current_agent() => thread_label(),
                Agent::Thread(id) => format!("{id:?}"),
                Agent::Task(task) => format!("task {task}"),
            });
        format!("thread {label}")
    }

    /// Depth-first over "resource -> its holders -> what each waits for -> ...",
    /// looking for this thread.
    fn find_cycle(&self, on: &Resource, my_locks: &[Resource]) -> Option<Cycle> {
        let me = current_agent();
        // path[i] = (resource waited for, the holder of it that we followed).
        let mut path: Vec<(Resource, Agent)> = Vec::new();
        let mut visited: Vec<Agent> = Vec::new();
        if self.search(me, on, on, my_locks, &mut path, &mut visited) {
            Some(self.cycle(me, path))
        } else {
            None
        }
    }

    fn search(
        &self,
        me: Agent,
        my_wait: &Resource,
        wanted: &Resource,
        my_locks: &[Resource],
        path: &mut Vec<(Resource, Agent)>,
        visited: &mut Vec<Agent>,
    ) -> bool {
        for (holder, held) in self.holders(wanted, me, my_locks, Some(my_wait)) {
            // The holder's own record names the resource best (a waiter may not know
            // a cache's path).
            path.push((held, holder));
            if holder == me {
                return true;
            }
            if !visited.contains(&holder) {
                visited.push(holder);
                // A future may wait for several values at once (`join!`).
                for wait in self.waits.iter().filter(|w| w.thread == holder) {
                    if self.search(me, my_wait, &wait.on, my_locks, path, visited) {
                        return true;
                    }
                }
            }
            path.pop();
        }
        false
    }

    fn cycle(&self, me: Agent, path: Vec<(Resource, Agent)>) -> Cycle {
        let me_label = self.label_of(me);
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
            me: true,
            task: matches!(me, Agent::Task(_)),
            thread: me_label.clone(),
            holds: path[n - 1].0.clone(),
            waits_for: path[0].0.clone(),
        }];
        for i in 0..n - 1 {
            links.push(Link {
                me: false,
                task: matches!(path[i].1, Agent::Task(_)),
                thread: self.label_of(path[i].1),
                holds: path[i].0.clone(),
                waits_for: path[i + 1].0.clone(),
            });
        }
        if links.iter().any(|l| l.task) {
            // Async initialisers nest (one polls another's run): the chain reads best
            // from the value whose initialisation began first.
            let first = |r: &Resource| {
                self.holds
                    .iter()
                    .position(|h| h.resource.key == r.key)
                    .unwrap_or(usize::MAX)
            };
            if let Some(start) = (0..n).min_by_key(|&i| first(&chain[i])) {
                chain.pop();
                chain.rotate_left(start);
                chain.push(chain[0].clone());
                links.rotate_left(start);
            }
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
        let me = current_agent();
        // The holder's record names the resource best (a waiter may not know a cache's
        // path).
        let on = self
            .holds
            .iter()
            .find(|h| h.resource.key == on.key)
            .map_or(on, |h| &h.resource);
        let mut report = format!(
            "singleton-runtime: {} has waited {:.1} s for {on}",
            self.label_of(me),
            waited.as_secs_f64()
        );
        let mut awaited = on.clone();
        let mut seen = vec![me];
        // A holder the graph does not know (a cache's loader that waits for nothing of
        // ours) is named by the caller.
        let mut owner = owner;
        loop {
            let (holder, label) =
                match (self.holders(&awaited, me, &[], None).first(), owner.take()) {
                    (Some(&(holder, _)), _) => (holder, self.label_of(holder)),
                    (None, Some(owner)) => (
                        Agent::Thread(owner.id()),
                        format!("thread {}", label(owner)),
                    ),
                    (None, None) => {
                        report.push_str(", which no thread is building right now");
                        break;
                    }
                };
            let _ = write!(report, ", held by {label}");
            match self.waits.iter().find(|w| w.thread == holder) {
                Some(wait) if !seen.contains(&holder) => {
                    seen.push(holder);
                    let _ = write!(report, ", which waits for {}", wait.on);
                    awaited = wait.on.clone();
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
                    if on.kind == super::Kind::InitOnce {
                        report.push_str(
                            "; an `#[init_once(concurrent = refuse)]` fn never waits for its \
                             running body",
                        );
                    }
                    break;
                }
            }
        }
        report
    }
}
