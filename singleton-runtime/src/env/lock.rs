//! The process-wide reentrant lock that [`with_vars`](super::with_vars) scopes and
//! [`var_os_locked`](super::var_os_locked) reads hold: one owner thread at a time, any
//! nesting depth on that thread.
//!
//! A `Mutex<Option<(owner, depth)>>` and a `Condvar`: the mutex is held only to look at
//! or change the owner, never while user code runs, so a panic in a scope cannot poison
//! it (and the crate's `Mutex` ignores poison anyway).

use std::marker::PhantomData;

use crate::sync::{Condvar, Mutex, ThreadId, current_thread_id};
use crate::waits::{self, Kind, Published, Resource};

/// Who holds the lock and how many times (`None`: free).
type Owner = Option<(ThreadId, usize)>;

pub(super) struct ReentrantLock {
    owner: Mutex<Owner>,
    /// Notified when the depth drops to zero.
    released: Condvar,
}

impl ReentrantLock {
    crate::sync::loom_const_fn! {
        pub(super) fn new() -> Self {
            Self {
                owner: Mutex::new(None),
                released: Condvar::new(),
            }
        }
    }

    /// Takes the lock, waiting while another thread holds it; a thread that holds it
    /// already takes it again at once (one level deeper).
    ///
    /// The lock is part of the crate's wait-for graph: the outermost level is published
    /// as held (so a thread that waits for a singleton or a guarded global while in a
    /// scope is seen holding it), and a wait for it is checked before sleeping.
    ///
    /// # Panics
    ///
    /// If waiting would close a cycle: e.g. this thread builds a singleton that another
    /// thread, inside a scope, waits for.
    #[track_caller]
    pub(super) fn lock(&self) -> ReentrantGuard<'_> {
        let me = current_thread_id();
        let mut owner = self.owner.lock();
        let outermost = loop {
            match &mut *owner {
                None => {
                    *owner = Some((me, 1));
                    break true;
                }
                Some((thread, depth)) if *thread == me => {
                    *depth += 1;
                    break false;
                }
                Some(_) => {
                    let resource = self.resource();
                    let held = waits::held_by_me(resource.key);
                    match waits::before_wait(resource, held) {
                        Ok(ticket) => {
                            owner = self.released.wait(owner);
                            drop(ticket);
                        }
                        Err(cycle) => {
                            drop(owner);
                            panic!("{cycle}");
                        }
                    }
                }
            }
        };
        drop(owner);
        ReentrantGuard {
            lock: self,
            _published: outermost.then(|| Published::new(self.resource())),
            not_send: PhantomData,
        }
    }

    /// This lock in the wait-for graph.
    fn resource(&self) -> Resource {
        Resource::described(
            std::ptr::from_ref(self).addr(),
            Kind::Environment,
            "the environment".to_owned(),
        )
    }
}

/// One level of [`ReentrantLock`], released on drop. `!Send`: it must be released by
/// the thread that took it.
pub(super) struct ReentrantGuard<'a> {
    lock: &'a ReentrantLock,
    /// The outermost level publishes the hold (dropped after `drop` releases).
    _published: Option<Published>,
    not_send: PhantomData<*const ()>,
}

impl Drop for ReentrantGuard<'_> {
    fn drop(&mut self) {
        let mut owner = self.lock.owner.lock();
        match &mut *owner {
            Some((_, depth)) if *depth > 1 => *depth -= 1,
            _ => {
                *owner = None;
                drop(owner);
                self.lock.released.notify_one();
            }
        }
    }
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::ReentrantLock;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// Nested levels on one thread do not wait; other threads get in only after the
    /// outermost level is released, and never while a level is held.
    #[test]
    fn nests_on_one_thread_and_excludes_others() {
        crate::test_support::within_timeout(|| {
            static LOCK: ReentrantLock = ReentrantLock::new();
            static INSIDE: AtomicUsize = AtomicUsize::new(0);
            static ENTRIES: AtomicUsize = AtomicUsize::new(0);
            // Fewer rounds under Miri, where every wait also walks the wait-for graph
            // at interpreter speed.
            let rounds = if cfg!(miri) { 10 } else { 200 };
            std::thread::scope(|s| {
                for _ in 0..4 {
                    s.spawn(move || {
                        for _ in 0..rounds {
                            let _outer = LOCK.lock();
                            assert_eq!(INSIDE.fetch_add(1, SeqCst), 0, "two threads inside");
                            {
                                let _inner = LOCK.lock();
                                let _innermost = LOCK.lock();
                                ENTRIES.fetch_add(1, SeqCst);
                            }
                            // Still held after the inner levels are released.
                            assert_eq!(INSIDE.load(SeqCst), 1);
                            INSIDE.fetch_sub(1, SeqCst);
                        }
                    });
                }
            });
            assert_eq!(ENTRIES.load(SeqCst), 4 * rounds);
            // Free again: another thread takes it without waiting.
            std::thread::spawn(|| drop(LOCK.lock())).join().unwrap();
        });
    }
}

#[cfg(all(test, singleton_loom))]
mod loom_tests {
    //! `RUSTFLAGS="--cfg singleton_loom" CARGO_TARGET_DIR=target/loom cargo test --release -p singleton-runtime --lib loom`

    use super::ReentrantLock;
    use crate::sync::UnsafeCell;
    use loom::sync::Arc;

    /// Two threads, each taking the lock twice (nested) and doing a non-atomic
    /// read-modify-write of a cell at the inner level: loom reports a data race if the
    /// levels ever overlap across threads, a deadlock if nesting waits for itself, and
    /// a lost wake-up if a release is missed.
    #[test]
    fn loom_env_lock_nested_exclusion() {
        struct State {
            lock: ReentrantLock,
            count: UnsafeCell<usize>,
        }
        // SAFETY: `count` is only accessed while `lock` is held (what the model checks).
        unsafe impl Sync for State {}

        fn bump(state: &State) {
            let _outer = state.lock.lock();
            let _inner = state.lock.lock();
            // SAFETY: under the lock, see `State`.
            state.count.with_mut(|n| unsafe { *n += 1 });
        }

        loom::model(|| {
            let state = Arc::new(State {
                lock: ReentrantLock::new(),
                count: UnsafeCell::new(0),
            });
            let other = state.clone();
            let t = loom::thread::spawn(move || bump(&other));
            bump(&state);
            t.join().unwrap();
            let _held = state.lock.lock();
            // SAFETY: under the lock, see `State`.
            assert_eq!(state.count.with(|n| unsafe { *n }), 2);
        });
    }
}
