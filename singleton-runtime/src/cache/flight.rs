//! The concurrency of a cache, apart from any file: a value slot, a deadline before
//! which a hit needs no check, and a single-flight state machine for checks and loads.
//!
//! - A hit reads the deadline and borrows the slot's value (an arc-swap guard);
//!   nothing else.
//! - Past the deadline, one caller (the one that finds `busy` clear) checks the source,
//!   and loads it if it changed. It runs outside the lock; the lock is only taken for
//!   bookkeeping, never across I/O or user code.
//! - While it runs, callers that have a value keep getting the previous one (the
//!   checker moves the deadline forward before it starts, so they stay on the hit
//!   path); callers with no value yet wait for that one attempt and share its outcome,
//!   value or error.
//! - `invalidate` bumps an epoch: what was seen before it is no longer trusted, and a
//!   load already in flight does not push the deadline forward when it finishes.
//!   `reload` waits for the attempt in flight, then loads itself and returns that
//!   outcome; other callers keep the previous value meanwhile.
//! - A failed load is not trusted like a good one: it is retried after the interval
//!   (at least [`RETRY_FAILED_AFTER`]) even if the source looks unchanged, and with no
//!   value its error stands for at most [`NO_VALUE_RECHECK`].
//! - The thread running the attempt is recorded: the same thread asking again (a loader
//!   that needs its own cache) panics instead of waiting for itself.
//!
//! Every atomic, lock and condvar comes from `crate::sync`, and the models at the end
//! check this file under loom with a source that needs no file system.

use std::sync::Arc;
use std::time::SystemTime;

use super::reloads::Reloads;
use super::slot::Slot;
use super::value::CacheRef;
use crate::sync::{
    AtomicU64, Condvar, Mutex, MutexGuard, Ordering, Thread, current_thread, current_thread_id,
    loom_const_fn,
};
use crate::waits::{self, Kind, Resource, SlowWait};

/// After a failed load, how long at least before the file is loaded again even though
/// its fingerprint did not change, in clock units (ns): a failure need not come from
/// the file (EIO, too many open files, an include not written yet), so it is retried;
/// but an unchanged broken file is not re-parsed on every call of a strict cache.
pub(crate) const RETRY_FAILED_AFTER: u64 = 1_000_000_000;

/// With no value yet, how long at most a failure stands before the file is looked at
/// again, in clock units (ns), whatever the check interval: a config file that appears
/// after start-up is picked up within a second, and an absent optional file costs one
/// attempt a second, not one per call (except in strict mode, `Duration::ZERO`, which
/// looks at the file on every call by contract: there an absent file is one failing
/// load attempt per call, about the cost of the `stat` it replaces).
pub(crate) const NO_VALUE_RECHECK: u64 = 1_000_000_000;

/// What the cache checks and loads: a file, in the shipping code; a stand-in in the
/// loom models. `K` is what an attempt saw of the source (a fingerprint).
pub(crate) trait Source<T, E, K> {
    /// Whether the source still holds what `seen` describes. Runs without locks.
    fn still_current(&self, seen: &K) -> bool;

    /// Loads the value, reporting what was seen of the source while loading.
    fn load(&self) -> Loaded<T, E, K>;
}

/// The result of one load, with what it saw and when it finished.
pub(crate) struct Loaded<T, E, K> {
    pub(crate) result: Result<T, E>,
    pub(crate) seen: K,
    pub(crate) at: SystemTime,
}

/// How the last finished attempt ended. `None` in [`State::outcome`] means it panicked.
#[derive(Debug)]
struct Outcome<E> {
    /// The epoch the attempt started in.
    epoch: u64,
    /// `None` if the value in the slot is current, else the error of the failed load
    /// (or of the failed load whose unchanged source the attempt checked).
    error: Option<Arc<E>>,
}

#[derive(Debug)]
struct State<E, K> {
    /// A check or load is in flight (single flight).
    busy: bool,
    /// The thread running it: the same thread asking again would wait for itself; a
    /// slow wait names it.
    loader: Option<Thread>,
    /// After a failed load: the clock reading from which it is retried even if the
    /// source looks unchanged.
    retry_at: u64,
    /// Bumped by `invalidate` and `reload`: anything seen in an older epoch is stale.
    epoch: u64,
    /// What the last attempt saw of the source, and the epoch it started in.
    seen: Option<(K, u64)>,
    /// The epoch in which the value in the slot was last loaded or confirmed. While
    /// it is older than `epoch`, the value was invalidated: callers wait for a load
    /// that started after the invalidation instead of being served it.
    value_epoch: u64,
    /// Attempts finished, panicked ones included; waiters wait for this to move.
    finished: u64,
    /// `expire` was called while an attempt was in flight: the change it reports may
    /// be after that attempt's look at the source, so its finish leaves the deadline
    /// passed.
    expired: bool,
    /// Callers blocked on `done`. Notifying a condvar costs a futex syscall even with
    /// nobody waiting, which strict mode would pay on every call.
    waiters: usize,
    outcome: Option<Outcome<E>>,
    last_error: Option<Arc<E>>,
    generation: u64,
    failures: u64,
    loaded_at: Option<SystemTime>,
}

/// A snapshot of a cache's bookkeeping.
#[derive(Debug)]
pub(crate) struct Status<E, K> {
    pub(crate) last_error: Option<Arc<E>>,
    pub(crate) generation: u64,
    pub(crate) failures: u64,
    pub(crate) loaded_at: Option<SystemTime>,
    pub(crate) seen: Option<K>,
}

/// The value slot, its deadline and its single-flight state.
#[derive(Debug)]
pub(crate) struct Core<T, E, K> {
    /// Clock reading before which a hit needs no check; 0 means "check now".
    deadline: AtomicU64,
    slot: Slot<T>,
    state: Mutex<State<E, K>>,
    done: Condvar,
    /// Subscribers, told after each successful load.
    reloads: Reloads,
    /// What messages call the cache (the loader fn's name, for `#[invalidating_cache]`).
    /// A name given up front, never computed from user code: the code that could
    /// describe the cache (its `path` expression) may be what re-entered it.
    name: Option<&'static str>,
}

impl<E, K> State<E, K> {
    const fn new() -> Self {
        Self {
            busy: false,
            loader: None,
            retry_at: 0,
            epoch: 0,
            seen: None,
            value_epoch: 0,
            finished: 0,
            expired: false,
            waiters: 0,
            outcome: None,
            last_error: None,
            generation: 0,
            failures: 0,
            loaded_at: None,
        }
    }
}

impl<T, E, K> Core<T, E, K> {
    /// Identifies this cache in the wait-for graph.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// How messages name this cache: by the name given to it (the loader fn's, for
    /// `#[invalidating_cache]`), else by its value type. Never by its `path`: evaluating
    /// that runs user code, which may be what asked for the cache again (describing the
    /// cache would then recurse until the stack overflows, an abort no one can catch).
    pub(crate) fn label(&self) -> String {
        match self.name {
            Some(name) => format!("`{name}`"),
            None => format!("the cache of `{}`", std::any::type_name::<T>()),
        }
    }
}

impl<T, E, K: Clone> Core<T, E, K> {
    loom_const_fn! {
        pub(crate) fn new() -> Self {
            Self {
                deadline: AtomicU64::new(0),
                slot: Slot::new(),
                state: Mutex::new(State::new()),
                done: Condvar::new(),
                reloads: Reloads::new(),
                name: None,
            }
        }
    }

    /// Names the cache in messages.
    pub(crate) const fn set_name(&mut self, name: &'static str) {
        self.name = Some(name);
    }

    /// The name given by [`named`](Self::named).
    pub(crate) fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// The current value if it needs no check at clock reading `now`, borrowed: one
    /// atomic load, one comparison and an arc-swap `load` (no reference count).
    #[inline]
    pub(crate) fn hit_ref(&self, now: u64) -> Option<CacheRef<T>> {
        if self.fresh(now) {
            self.slot.guard()
        } else {
            None
        }
    }

    /// Whether a value (if any) needs no check at clock reading `now`.
    #[inline]
    pub(crate) fn fresh(&self, now: u64) -> bool {
        now < self.deadline.load(Ordering::Acquire)
    }

    /// How many times a value was stored (or the slot emptied by a reset).
    #[inline]
    pub(crate) fn stores(&self) -> u64 {
        self.slot.stores()
    }

    /// The subscribers.
    pub(crate) fn reloads(&self) -> &Reloads {
        &self.reloads
    }

    /// The current value and the generation it was loaded as, and the slot's store
    /// count, read together (all three change under the state lock).
    pub(crate) fn with_generation(&self) -> (Option<(Arc<T>, u64)>, u64) {
        let state = self.state.lock();
        let value = self.slot.load().map(|value| (value, state.generation));
        (value, self.slot.stores())
    }

    /// The current value if it needs no check at clock reading `now`: one atomic load,
    /// one comparison and one `Arc` clone.
    #[inline]
    pub(crate) fn hit(&self, now: u64) -> Option<Arc<T>> {
        if now < self.deadline.load(Ordering::Acquire) {
            self.slot.load()
        } else {
            None
        }
    }

    /// The current value, checking the source first if the deadline has passed at
    /// `now`; a check or load that finds the value current keeps it for `interval`
    /// more clock units. `source` is built only by the one caller that checks.
    #[track_caller]
    pub(crate) fn get<S: Source<T, E, K>>(
        &self,
        now: u64,
        interval: u64,
        source: impl FnOnce() -> S,
    ) -> Result<Arc<T>, Arc<E>> {
        match self.hit(now) {
            Some(value) => Ok(value),
            None => self.attempt(now, interval, false, source),
        }
    }

    /// [`get`](Self::get), except that it never waits for a check or load in flight on
    /// another thread: `None` then (a subscriber's look at the file, which must not
    /// wait longer than its timeout).
    #[track_caller]
    pub(crate) fn get_unless_busy<S: Source<T, E, K>>(
        &self,
        now: u64,
        interval: u64,
        source: impl FnOnce() -> S,
    ) -> Option<Result<Arc<T>, Arc<E>>> {
        match self.hit(now) {
            Some(value) => Some(Ok(value)),
            None => self.attempt_or_busy(now, interval, false, false, source),
        }
    }

    /// Loads now (after the attempt in flight, if any) and returns that load's outcome:
    /// its value, or its error (even when an older value is kept for other callers).
    #[track_caller]
    pub(crate) fn reload<S: Source<T, E, K>>(
        &self,
        now: u64,
        interval: u64,
        source: impl FnOnce() -> S,
    ) -> Result<Arc<T>, Arc<E>> {
        self.attempt(now, interval, true, source)
    }

    /// Makes the next call check and reload, whatever the source looks like; a load in
    /// flight still finishes, but does not count as current.
    pub(crate) fn invalidate(&self) {
        let mut state = self.state.lock();
        state.epoch += 1;
        self.deadline.store(0, Ordering::Release);
    }

    /// Makes the next call check the source (the fingerprint decides whether to load),
    /// as if the interval had passed: an event of the watcher.
    #[cfg_attr(not(feature = "watch"), allow(dead_code))]
    pub(crate) fn expire(&self) {
        let mut state = self.state.lock();
        state.expired = state.busy;
        self.deadline.store(0, Ordering::Release);
    }

    /// Back to the state before the first call (a reset, `testing`): no value, no
    /// errors, no statistics. Waits for the attempt in flight.
    #[track_caller]
    pub(crate) fn reset(&self) {
        let me = current_thread_id();
        let mut state = self.state.lock();
        while state.busy {
            if state.loader.as_ref().map(Thread::id) == Some(me) {
                drop(state);
                reentrant_load(&format!("invalidating cache {}", self.label()));
            }
            state = self.wait_for_attempt(state);
        }
        // Callers still waiting keep their count; the epoch moves on, so no waiter
        // takes an outcome from before the reset.
        let fresh = State {
            epoch: state.epoch + 1,
            value_epoch: state.epoch + 1,
            finished: state.finished,
            waiters: state.waiters,
            ..State::new()
        };
        let old = std::mem::replace(&mut *state, fresh);
        let value = self.slot.take();
        self.deadline.store(0, Ordering::Release);
        drop(state);
        // User code (`Drop`) runs outside the lock.
        drop((old, value));
    }

    /// The current value, without checking anything.
    pub(crate) fn peek(&self) -> Option<Arc<T>> {
        self.slot.load()
    }

    pub(crate) fn status(&self) -> Status<E, K> {
        let state = self.state.lock();
        Status {
            last_error: state.last_error.clone(),
            generation: state.generation,
            failures: state.failures,
            loaded_at: state.loaded_at,
            seen: state.seen.as_ref().map(|(seen, _)| seen.clone()),
        }
    }

    /// Sleeps until the attempt in flight (`state.busy`) finishes, in the wait-for
    /// graph (the loader publishes this cache there if it waits too), with a report if
    /// the wait is long.
    ///
    /// # Panics
    ///
    /// With the cycle, if sleeping would close one.
    #[track_caller]
    fn wait_for_attempt<'a>(
        &'a self,
        mut state: MutexGuard<'a, State<E, K>>,
    ) -> MutexGuard<'a, State<E, K>> {
        let target = state.finished + 1;
        // Sleeping: join the wait-for graph (the loader publishes this cache there
        // if it waits too), or report the cycle the wait would close.
        let resource = Resource::described(self.key(), Kind::Cache, self.label());
        let locks = waits::held_by_me(resource.key);
        let ticket = match waits::before_wait(resource, locks) {
            Ok(ticket) => ticket,
            Err(cycle) => {
                drop(state);
                panic!("{cycle}");
            }
        };
        let mut slow = SlowWait::start();
        while state.finished < target {
            state.waiters += 1;
            state = match slow.timeout() {
                None => self.done.wait(state),
                Some(timeout) => self.done.wait_timeout(state, timeout),
            };
            state.waiters -= 1;
            if let Some(waited) = slow.due() {
                let on = Resource::described(self.key(), Kind::Cache, self.label());
                let report = waits::graph().slow_wait_report(&on, waited, state.loader.as_ref());
                eprintln!("{report}");
            }
        }
        drop(ticket);
        state
    }

    #[track_caller]
    fn attempt<S: Source<T, E, K>>(
        &self,
        now: u64,
        interval: u64,
        force: bool,
        source: impl FnOnce() -> S,
    ) -> Result<Arc<T>, Arc<E>> {
        match self.attempt_or_busy(now, interval, force, true, source) {
            Some(outcome) => outcome,
            None => unreachable!("an attempt that may wait always ends with an outcome"),
        }
    }

    /// `attempt`; with `wait` false, `None` instead of waiting for an attempt in flight.
    #[track_caller]
    fn attempt_or_busy<S: Source<T, E, K>>(
        &self,
        now: u64,
        interval: u64,
        force: bool,
        wait: bool,
        source: impl FnOnce() -> S,
    ) -> Option<Result<Arc<T>, Arc<E>>> {
        let mut state = self.state.lock();
        // The oldest attempt whose outcome this call may take: one that started after
        // the last `invalidate` it could have seen. A `reload` takes none: it waits for
        // the attempt in flight, then loads itself.
        let wanted_epoch = state.epoch;
        let me = current_thread_id();
        while state.busy {
            if state.loader.as_ref().map(Thread::id) == Some(me) {
                drop(state);
                reentrant_load(&format!("invalidating cache {}", self.label()));
            }
            if !force && state.value_epoch == state.epoch {
                // Serve the previous value while another thread checks or reloads.
                if let Some(value) = self.slot.load() {
                    return Some(Ok(value));
                }
            }
            if !wait {
                return None;
            }
            state = self.wait_for_attempt(state);
            if force {
                continue;
            }
            if let Some(outcome) = state.outcome.as_ref().filter(|o| o.epoch >= wanted_epoch) {
                match (&outcome.error, self.slot.load()) {
                    (_, Some(value)) => return Some(Ok(value)),
                    (Some(error), None) => return Some(Err(Arc::clone(error))),
                    (None, None) => {}
                }
            }
            // It panicked, or started before our `invalidate`: go again (or wait again).
        }
        if !force {
            if let Some(value) = self.hit(now) {
                // Another caller finished a check while we waited for the lock.
                return Some(Ok(value));
            }
            if now < self.deadline.load(Ordering::Acquire)
                && let Some(error) = &state.last_error
            {
                // No value, and the last failure is recent enough to stand.
                return Some(Err(Arc::clone(error)));
            }
        }

        // This caller checks.
        state.busy = true;
        state.expired = false;
        state.loader = Some(current_thread());
        let epoch = state.epoch;
        let retry_failed = state.last_error.is_some() && now >= state.retry_at;
        let seen = state.seen.as_ref().and_then(|(seen, in_epoch)| {
            (*in_epoch == epoch && !retry_failed).then(|| seen.clone())
        });
        let current = match (self.slot.load(), &state.last_error) {
            (Some(value), _) => Some(Ok(value)),
            (None, Some(error)) => Some(Err(Arc::clone(error))),
            (None, None) => None,
        };
        if !force && state.value_epoch == epoch && matches!(current, Some(Ok(_))) {
            // Others keep hitting the current value while this check runs.
            self.deadline
                .store(now.saturating_add(interval), Ordering::Release);
        }
        drop(state);

        let flight = Flight { core: self };
        // Building the source evaluates the `path` expression, user code that may wait
        // for other primitives (a singleton holding the directory): this thread holds
        // the cache meanwhile, published like a load (see `load_and_record`).
        let held =
            waits::Published::new(Resource::described(self.key(), Kind::Cache, self.label()));
        let source = source();
        drop(held);
        if let (false, Some(seen), Some(current)) = (force, seen, current)
            && source.still_current(&seen)
        {
            let error = current.as_ref().err().map(Arc::clone);
            drop(flight.finish(epoch, now, interval, Outcome { epoch, error }));
            return Some(current);
        }
        Some(self.load_and_record(&source, flight, epoch, now, interval, force))
    }

    /// The checking caller loads, records the outcome, and ends the flight.
    fn load_and_record<S: Source<T, E, K>>(
        &self,
        source: &S,
        flight: Flight<'_, T, E, K>,
        epoch: u64,
        now: u64,
        interval: u64,
        force: bool,
    ) -> Result<Arc<T>, Arc<E>> {
        // Loading runs user code, which may wait for other primitives: until it returns
        // this thread holds the cache, published to the wait-for graph if it waits (no
        // global lock here), and a slow waiter's report can name the file. (A check
        // that finds the file unchanged runs no user code beyond the `path`
        // expression, published in `attempt`.)
        let held =
            waits::Published::new(Resource::described(self.key(), Kind::Cache, self.label()));
        let loaded = source.load();
        drop(held);
        let mut state = self.state.lock();
        state.seen = Some((loaded.seen, epoch));
        // A replaced error is dropped after the lock is released: dropping the last
        // `Arc<E>` runs the user's `E::drop`, which must not run under our lock.
        let old_error;
        let (outcome, result, replaced) = match loaded.result {
            Ok(value) => {
                let value = Arc::new(value);
                let replaced = self.slot.swap(Arc::clone(&value));
                state.generation += 1;
                state.loaded_at = Some(loaded.at);
                old_error = state.last_error.take();
                (Outcome { epoch, error: None }, Ok(value), replaced)
            }
            Err(error) => {
                let error = Arc::new(error);
                state.failures += 1;
                state.retry_at = now.saturating_add(interval.max(RETRY_FAILED_AFTER));
                old_error = state.last_error.replace(Arc::clone(&error));
                let result = match self.slot.load() {
                    Some(kept) if !force => Ok(kept),
                    _ => Err(Arc::clone(&error)),
                };
                (
                    Outcome {
                        epoch,
                        error: Some(error),
                    },
                    result,
                    None,
                )
            }
        };
        drop(state);
        drop(old_error);
        let stored = outcome.error.is_none();
        let old_outcome = flight.finish(epoch, now, interval, outcome);
        if stored {
            self.reloads.publish();
        }
        // The previous value and outcome are dropped here, outside every lock (user
        // code may run in their `Drop`, and may panic: after the subscribers were told),
        // unless a reader still holds them.
        drop((replaced, old_outcome));
        result
    }
}

/// The checking caller's duty to clear `busy` and wake waiters, also when the source
/// or the loader panics (then with no outcome: the next caller tries again).
struct Flight<'a, T, E, K> {
    core: &'a Core<T, E, K>,
}

impl<T, E, K> Flight<'_, T, E, K> {
    fn finish(
        self,
        epoch: u64,
        now: u64,
        interval: u64,
        outcome: Outcome<E>,
    ) -> Option<Outcome<E>> {
        let core = self.core;
        std::mem::forget(self);
        let mut state = core.state.lock();
        state.busy = false;
        state.loader = None;
        state.finished += 1;
        // Loaded, confirmed, or (failed) kept as the best there is: valid in `epoch`.
        state.value_epoch = epoch;
        let old_outcome = state.outcome.replace(outcome);
        if state.epoch == epoch && !std::mem::take(&mut state.expired) {
            // Until then a hit serves the value, or, with none, callers get the error.
            let stands = if core.slot.load().is_some() {
                interval
            } else {
                interval.min(NO_VALUE_RECHECK)
            };
            core.deadline
                .store(now.saturating_add(stands), Ordering::Release);
        }
        let wake = state.waiters > 0;
        drop(state);
        if wake {
            core.done.notify_all();
        }
        // For the caller to drop, outside every lock.
        old_outcome
    }
}

impl<T, E, K> Drop for Flight<'_, T, E, K> {
    fn drop(&mut self) {
        let mut state = self.core.state.lock();
        state.busy = false;
        state.loader = None;
        state.finished += 1;
        let old_outcome = state.outcome.take();
        let wake = state.waiters > 0;
        drop(state);
        drop(old_outcome);
        if wake {
            self.core.done.notify_all();
        }
    }
}

/// A loader (or a `path` expression) that needs its own cache, directly or through
/// other code, would wait for the load it is running: fail loudly instead. `what` is
/// built from [`Core::label`], never by running user code.
#[cold]
#[track_caller]
fn reentrant_load(what: &str) -> ! {
    panic!(
        "{what}: asked for its own cache while loading it (from the loader or from the \
         `path` expression), which would wait for itself forever; a loader must not read \
         the value it is producing (read the previous value with `cache().peek()` if you \
         need it), and the path must not depend on the cache"
    )
}
