//! Lock-order checking: the first time guarded globals are taken in an order that
//! closes a cycle with orders seen before (`A` then `B` somewhere, `B` then `A` now;
//! or `A` then `B`, `B` then `C`, `C` then `A`; on any threads), panic naming every
//! global on the cycle, before it can ever deadlock (as tracing-mutex does).
//!
//! On in debug builds; in release builds only with the `lock-order` feature, and
//! otherwise compiled out (`ENABLED` is a constant false, so no cost at all).
//!
//! The record is process-wide: a map from (held, taken) pairs of global ids to where
//! the pair was first seen. Ids, not addresses, so that a dropped local global whose
//! address is reused cannot be confused with a new one.

#[cfg(not(singleton_loom))]
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use super::error::Name;

#[cfg(not(singleton_loom))]
use crate::sync::{Mutex, thread_label};

/// Whether lock order is tracked in this build.
pub(crate) const ENABLED: bool = cfg!(all(
    not(singleton_loom),
    any(debug_assertions, feature = "lock-order")
));

/// A global's lock-order id, assigned on first use.
#[derive(Debug)]
pub(crate) struct OrderId(AtomicUsize);

impl OrderId {
    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// The id `id`, taken from another (a global's core shares the global's id).
    pub(crate) const fn fixed(id: usize) -> Self {
        Self(AtomicUsize::new(id))
    }

    /// The id, assigning a fresh one on first call.
    pub(crate) fn get(&self) -> usize {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let id = self.0.load(Relaxed);
        if id != 0 {
            return id;
        }
        let fresh = NEXT.fetch_add(1, Relaxed);
        match self.0.compare_exchange(0, fresh, Relaxed, Relaxed) {
            Ok(_) => fresh,
            Err(won) => won,
        }
    }
}

/// Where an ordered pair was first seen.
#[cfg(not(singleton_loom))]
struct FirstSeen {
    held: Name,
    taken: Name,
    thread: String,
}

/// The order graph: an edge (held, taken) for every pair seen, with where it was first
/// seen. It never contains a cycle: the edge that would close one is reported instead
/// of recorded.
#[cfg(not(singleton_loom))]
// singleton-audit: allow(the lock-order checker's own table: #[guarded_global] is built on it)
static SEEN: Mutex<BTreeMap<(usize, usize), FirstSeen>> = Mutex::new(BTreeMap::new());

/// Records that `taken` is being taken while this thread holds `held` (ids and names),
/// and panics if that closes a cycle with the pairs seen before, of any length (`A`
/// before `B` and `B` before `A`; or `A` before `B`, `B` before `C`, `C` before `A`;
/// ...), naming every global on it.
#[cfg(not(singleton_loom))]
#[track_caller]
pub(crate) fn check(held: &[(usize, Name)], taken: usize, taken_name: Name) {
    let mut report = None;
    {
        let mut seen = SEEN.lock();
        for &(outer, outer_name) in held.iter().filter(|(id, _)| *id != taken) {
            if seen.contains_key(&(outer, taken)) {
                continue;
            }
            if let Some(path) = path(&seen, taken, outer) {
                report = Some(message(&seen, &path, outer_name, taken_name));
                break;
            }
            seen.insert(
                (outer, taken),
                FirstSeen {
                    held: outer_name,
                    taken: taken_name,
                    thread: thread_label(),
                },
            );
        }
    }
    if let Some(message) = report {
        panic!("{message}");
    }
}

/// Under loom, lock order is not tracked (`ENABLED` is false): never called.
#[cfg(singleton_loom)]
pub(crate) fn check(_: &[(usize, Name)], _: usize, _: Name) {}

#[cfg(not(singleton_loom))]
/// The edges of a path `from -> ... -> to` in the graph, if there is one (breadth
/// first, so the shortest).
fn path(
    seen: &BTreeMap<(usize, usize), FirstSeen>,
    from: usize,
    to: usize,
) -> Option<Vec<(usize, usize)>> {
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
    let mut frontier = vec![from];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for node in frontier {
            for &(_, after) in seen.range((node, 0)..=(node, usize::MAX)).map(|(k, _)| k) {
                if after == from || came_from.contains_key(&after) {
                    continue;
                }
                came_from.insert(after, node);
                if after == to {
                    let mut edges = vec![(node, after)];
                    let mut at = node;
                    while at != from {
                        let before = came_from[&at];
                        edges.push((before, at));
                        at = before;
                    }
                    edges.reverse();
                    return Some(edges);
                }
                next.push(after);
            }
        }
        frontier = next;
    }
    None
}

#[cfg(not(singleton_loom))]
/// The message for taking `taken` while holding `holding`, where `path` leads from
/// `taken` back to `holding` through pairs seen before.
fn message(
    seen: &BTreeMap<(usize, usize), FirstSeen>,
    path: &[(usize, usize)],
    holding: Name,
    taken: Name,
) -> String {
    let firsts: Vec<&FirstSeen> = path.iter().map(|edge| &seen[edge]).collect();
    if let [first] = firsts[..] {
        return format!(
            "lock order inversion: taking {taken} while holding `{}`, but `{}` was taken \
             while holding `{}` before (first seen on thread {}); two threads doing this \
             at once deadlock. Take them in one order everywhere (`{}` before `{}`), or \
             copy what you need out of one before taking the other",
            holding.text,
            first.taken.text,
            first.held.text,
            first.thread,
            first.held.text,
            first.taken.text
        );
    }
    let mut cycle = vec![format!("`{}`", taken.text)];
    cycle.extend(firsts.iter().map(|f| format!("`{}`", f.taken.text)));
    cycle.push(format!("`{}`", taken.text));
    let before: Vec<String> = firsts
        .iter()
        .map(|f| {
            format!(
                "`{}` was taken while holding `{}` (first seen on thread {})",
                f.taken.text, f.held.text, f.thread
            )
        })
        .collect();
    let order: Vec<String> = std::iter::once(format!("`{}`", taken.text))
        .chain(firsts.iter().map(|f| format!("`{}`", f.taken.text)))
        .collect();
    format!(
        "lock order cycle: taking {taken} while holding `{}` closes \
         the cycle {}: {}; threads doing these at once deadlock. Take them in one order \
         everywhere ({}), or copy what you need out of one before taking the next",
        holding.text,
        cycle.join(" -> "),
        before.join(", "),
        order.join(" before "),
    )
}
