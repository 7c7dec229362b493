//! A cycle of waits, and the one message format that names it.

use std::fmt::{self, Write as _};

use super::{Access, Kind, Resource};

/// A thread on a cycle: it holds `holds` and waits for `waits_for`.
#[derive(Clone, Debug)]
pub(super) struct Link {
    /// This is the link of the thread (or run) that found the cycle.
    pub(super) me: bool,
    /// The agent is an async initialiser rather than a thread.
    pub(super) task: bool,
    /// As messages name it: `thread 'name' (ThreadId(3))`, `the async initialiser of ..`.
    pub(super) thread: String,
    pub(super) holds: Resource,
    pub(super) waits_for: Resource,
}

/// Sleeping would close this cycle of threads waiting for each other's resources.
/// Its `Display` is the panic message: every resource and thread on the cycle.
#[derive(Clone, Debug)]
pub(crate) struct Cycle {
    /// `r0 -> r1 -> ... -> r0`: the first is what this thread holds, the second what
    /// it wants.
    pub(super) chain: Vec<Resource>,
    /// The threads, this one first; empty for a cycle on this thread alone.
    pub(super) links: Vec<Link>,
    /// This thread's (or async initialiser's) label, as [`Link::thread`].
    pub(super) me: String,
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
                "{what}: {names} (on {}): the initialiser of {wanted} {how}; break the \
                 cycle so that no initialiser needs, directly or through others, the value \
                 it is creating",
                self.me
            );
        }
        let mut who = String::new();
        for (i, link) in self.links.iter().enumerate() {
            let this = match (link.me, link.task) {
                (true, false) => " (this thread)",
                (true, true) => " (polled by this thread)",
                _ => "",
            };
            let sep = if i == 0 { "" } else { "; " };
            let _ = if link.holds.access == Access::Draining {
                // A writer that took the write bit, waiting for the readers to leave.
                write!(
                    who,
                    "{sep}{}{this} is writing {} and waits for its readers to leave",
                    link.thread, link.holds,
                )
            } else {
                write!(
                    who,
                    "{sep}{}{this} holds {} and waits for {}",
                    link.thread, link.holds, link.waits_for.name,
                )
            };
        }
        let across = if self.links.iter().any(|l| l.task) {
            "tasks"
        } else {
            "threads"
        };
        write!(
            f,
            "{what} across {across}: {names} ({who}); each waits for the next, which would \
             deadlock, so this thread panics instead of sleeping; break the cycle so that \
             nothing done while holding one of these needs, directly or through others, \
             another one on it"
        )
    }
}
