//! The registry of a thread-scoped singleton's instances, one per thread that built
//! it: what `name::for_each` visits.
//!
//! A thread registers its instance once, when it builds it (the cold path), and
//! withdraws it when the instance is dropped (thread exit, or a reset). The registry's
//! lock is held only for bookkeeping, never across the visitor: a visitor *pins* one
//! entry at a time, and a thread withdrawing an entry waits (on the condvar, joining
//! the wait-for graph) until no visitor pins it. So an instance is never dropped while
//! a visitor looks at it, a thread may start (and register) during a visit, and a
//! visit never waits for anything but the lock.

use std::marker::PhantomData;

use crate::sync::{Condvar, Mutex, ThreadId, current_thread_id};
use crate::waits::{self, Kind, Resource};

/// A registered instance's address. Only [`Registry::for_each`] dereferences it, and
/// only for `T: Sync`.
struct Value(*const ());

// SAFETY: the pointer is only carried here; it is dereferenced by `for_each` only, which
// requires `T: Sync`, so sending the address is sending a `&T` that may be sent.
unsafe impl Send for Value {}

struct Entry {
    id: u64,
    value: Value,
    /// What the wait-for graph calls it: an address unique among live instances and
    /// every other resource (not the value's: zero-sized values share theirs).
    key: usize,
    /// The threads of the visitors looking at it now (one entry per pin).
    pins: Vec<ThreadId>,
    /// Its thread is withdrawing it: no new pins.
    leaving: bool,
}

struct Entries {
    next_id: u64,
    /// Sorted by `id` (ids grow, entries are appended).
    list: Vec<Entry>,
}

/// The instances of one thread-scoped singleton (see the module docs): a `static` of
/// its own in what `#[singleton(scope = thread)]` generates. Not for direct use.
///
/// Typed by the value, so that only `T`s can be registered in a `Registry<T>`.
#[doc(hidden)]
pub struct Registry<T> {
    entries: Mutex<Entries>,
    _values: PhantomData<fn() -> T>,
    /// Notified when a pin on a leaving entry ends.
    unpinned: Condvar,
}

impl<T> Registry<T> {
    crate::sync::loom_const_fn! {
        /// An empty registry.
        #[must_use]
        pub fn new() -> Self {
            Self {
                entries: Mutex::new(Entries {
                    next_id: 0,
                    list: Vec::new(),
                }),
                unpinned: Condvar::new(),
                _values: PhantomData,
            }
        }
    }

    /// Registers an instance (at `value`, valid until [`unregister`](Self::unregister)
    /// returns), known to the wait-for graph as `key` (the address of something that
    /// lives as long as the entry and that no other resource is keyed by); returns its id.
    pub(super) fn register(&self, value: *const T, key: usize) -> u64 {
        let mut entries = self.entries.lock();
        let id = entries.next_id;
        entries.next_id += 1;
        entries.list.push(Entry {
            id,
            value: Value(value.cast()),
            key,
            pins: Vec::new(),
            leaving: false,
        });
        id
    }

    /// Withdraws entry `id`, waiting until no visitor looks at it; afterwards the
    /// instance may be dropped.
    ///
    /// # Panics
    ///
    /// If this thread's own visit looks at the instance (a reset inside `for_each`), or
    /// waiting would close a cycle in the wait-for graph (a visitor looking at this
    /// instance waits, directly or through others, for this thread).
    pub(super) fn unregister(&self, id: u64, name: &'static str) {
        let mut entries = self.entries.lock();
        loop {
            let Ok(at) = entries.list.binary_search_by_key(&id, |e| e.id) else {
                return;
            };
            let entry = &mut entries.list[at];
            if entry.pins.is_empty() {
                entries.list.remove(at);
                return;
            }
            if entry.pins.contains(&current_thread_id()) {
                drop(entries);
                panic!(
                    "this thread's instance of `{name}` was to be dropped (a reset) inside a \
                     `for_each` of `{name}` on the same thread that is looking at it; reset \
                     after the visit"
                );
            }
            entry.leaving = true;
            let resource = Self::resource(entry, name);
            let key = resource.key;
            let ticket = match waits::before_wait(resource, waits::held_by_me(key)) {
                Ok(ticket) => ticket,
                Err(cycle) => {
                    // Not withdrawn after all: visits see the instance again.
                    entry.leaving = false;
                    drop(entries);
                    panic!("{cycle}");
                }
            };
            entries = self.unpinned.wait(entries);
            drop(ticket);
        }
    }

    /// What the wait-for graph calls an instance a visitor pins.
    fn resource(entry: &Entry, name: &'static str) -> Resource {
        Resource::named(entry.key, Kind::ThreadScoped, name)
    }

    /// Calls `f` with every registered instance, pinning each while `f` looks at it.
    ///
    /// Needs `T: Sync`: the instances belong to other threads.
    pub(super) fn for_each(&self, name: &'static str, mut f: impl FnMut(&T))
    where
        T: Sync,
    {
        let mut after = None;
        loop {
            let (id, value, resource) = {
                let mut entries = self.entries.lock();
                let from = entries
                    .list
                    .partition_point(|e| after.is_some_and(|after| e.id <= after));
                let Some(entry) = entries.list[from..].iter_mut().find(|e| !e.leaving) else {
                    return;
                };
                entry.pins.push(current_thread_id());
                (entry.id, entry.value.0, Self::resource(entry, name))
            };
            after = Some(id);
            let _pin = Pin { registry: self, id };
            let _published = waits::Published::new(resource);
            // SAFETY: registered as a `T` (`register`'s type), alive since pinned (its
            // thread waits in `unregister`, before dropping it, until `_pin` drops), and
            // `T: Sync`, so this thread may share it with its own.
            f(unsafe { &*value.cast::<T>() });
        }
    }
}

#[cfg(not(singleton_loom))]
impl<T> Default for Registry<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A visitor's pin on one entry, released (waking a withdrawing thread) when dropped,
/// also when the visitor panics.
struct Pin<'a, T> {
    registry: &'a Registry<T>,
    id: u64,
}

impl<T> Drop for Pin<'_, T> {
    fn drop(&mut self) {
        let mut entries = self.registry.entries.lock();
        if let Ok(at) = entries.list.binary_search_by_key(&self.id, |e| e.id) {
            let entry = &mut entries.list[at];
            let me = current_thread_id();
            if let Some(pin) = entry.pins.iter().position(|t| *t == me) {
                entry.pins.swap_remove(pin);
            }
            if entry.pins.is_empty() && entry.leaving {
                drop(entries);
                self.registry.unpinned.notify_all();
            }
        }
    }
}
