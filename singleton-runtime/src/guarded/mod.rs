//! `GuardedGlobal<T>`: a lazily built global reachable only through closures, behind
//! a reader-writer lock whose reads scale across cores, with reentrant reads, writes
//! that panic instead of deadlocking, lock-order checking, and poisoning.
//!
//! - `access`: taking and releasing a global (fast paths, building the value,
//!   poisoning), and the guards that never leave this crate.
//! - `lock`: the reader-writer lock with per-thread reader slots (the shared-memory
//!   protocol).
//! - `held`: per-thread bookkeeping (held globals for reentrancy, the reader slot).
//! - `order`: lock-order inversion detection.
//! - `error`: [`LockTimeout`] and the panic messages.
//! - `fence`: the asymmetric fences of the biased read path.
//! - `private`: what the macro's expansion names.

// The fast paths (link a frame, take the lock, release both) must inline into `read`
// and `write` at the call site: left to the inliner, they were not in the bench crate,
// which tripled the cost of an uncontended write (benches/compare/guarded.rs).
#![allow(
    clippy::inline_always,
    reason = "measured: the fast paths must inline at the call site"
)]

mod access;
mod error;
mod fence;
mod held;
mod lock;
mod order;
mod testing;

#[cfg(all(test, singleton_loom))]
mod loom_tests;
#[cfg(all(test, not(singleton_loom)))]
mod tests;

use std::fmt;
use std::mem::MaybeUninit;
use std::time::Duration;

pub use error::LockTimeout;
pub(crate) use held::wait_context;

use crate::sync::{Mutex, UnsafeCell, loom_const_fn};
use held::Mode;
use lock::{Deadline, POISONED, RawLock, TimedOut, UNINIT};

/// A global value behind a lock that cannot be misused: reachable only through
/// closures, so no guard can escape, outlive the call, or be held across `.await`.
/// What `#[guarded_global]` turns a `static` into; also usable directly.
///
/// - The value is built by `init` on first access, once, from any number of threads.
///   An initialiser that panics stores nothing: the next access tries again.
/// - [`read`](Self::read)s run in parallel and scale: each thread registers in its own
///   cache line, so readers on different cores do not slow each other down.
/// - A `read` nested in a `read` of the same global on the same thread always works,
///   even with a writer waiting in between (the nested read does not queue).
/// - A `write` (or any access) requested while this thread already holds the global in
///   a way that would deadlock or alias panics at once, naming the global.
/// - In debug builds (or with the `lock-order` feature), taking two globals in an
///   order that inverts one seen before panics, naming both, before it can deadlock.
/// - A `write` whose closure panics poisons the global: later accesses panic with
///   its name until [`recover`](Self::recover) or [`clear_poison`](Self::clear_poison).
///   The lock itself is always released, so nothing hangs.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use singleton_runtime::GuardedGlobal;
///
/// static FEATURES: GuardedGlobal<HashMap<String, bool>> =
///     GuardedGlobal::new("FEATURES", HashMap::new);
///
/// FEATURES.write(|m| m.insert("fast-path".to_owned(), true));
/// assert_eq!(FEATURES.read(|m| m.get("fast-path").copied()), Some(true));
/// ```
pub struct GuardedGlobal<T> {
    lock: RawLock,
    value: UnsafeCell<MaybeUninit<T>>,
    init: fn() -> T,
    name: &'static str,
    order: order::OrderId,
    /// The thread whose `write` poisoned the value, for the message.
    poisoned_by: Mutex<Option<String>>,
}

// SAFETY: the lock hands out `&T` to many threads at once (needs `T: Sync`) and `&mut T`
// or ownership of `T` to one thread at a time, possibly not the one that built it
// (needs `T: Send`); `RawLock` makes `&mut T` exclusive of every other access. The
// bound is on the only constructor, `new`, rather than here: then a value type that
// cannot be shared is reported once, at the constructor (for `#[guarded_global]`: at
// the static's type, with a message saying why), instead of a second time as "shared
// static variables must have a type that implements `Sync`".
unsafe impl<T> Sync for GuardedGlobal<T> {}

impl<T: Send + Sync> GuardedGlobal<T> {
    loom_const_fn! {
    /// A global named `name` (used in every message about it) whose value `init`
    /// builds on first access.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::GuardedGlobal;
    ///
    /// static SEEN: GuardedGlobal<Vec<String>> = GuardedGlobal::new("SEEN", Vec::new);
    /// assert_eq!(SEEN.name(), "SEEN");
    /// ```
    pub fn new(name: &'static str, init: fn() -> T) -> Self {
        Self {
            lock: RawLock::new(),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init,
            name,
            order: order::OrderId::new(),
            poisoned_by: Mutex::new(None),
        }
    }
    }
}

impl<T> GuardedGlobal<T> {
    /// The name given at construction.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static PATHS: Vec<String> = Vec::new();
    /// assert_eq!(PATHS.name(), "PATHS");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs `f` with shared access to the value, building it first if needed, and
    /// returns what `f` returns. Many threads read at once; a read waits only for a
    /// running `write`. A read nested in a read of the same global on this thread
    /// never waits.
    ///
    /// `f` cannot return a reference into the value: copy or clone out what you need
    /// ("snapshot under the lock, work outside it").
    ///
    /// # Panics
    ///
    /// - If this thread holds the global in a `write` (use the `&mut` you have), or
    ///   calls it from the global's own initialiser.
    /// - If the global is poisoned (see [`recover`](Self::recover)).
    /// - If taking it inverts a lock order seen before (debug builds or the
    ///   `lock-order` feature).
    /// - If `f` or the initialiser panics (the panic passes through; nothing is
    ///   poisoned by a read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static FACTORIES: HashMap<&'static str, fn(u32) -> String> = HashMap::new();
    ///
    /// FACTORIES.write(|m| m.insert("resnet", |depth| format!("resnet-{depth}")));
    /// // Snapshot under the lock ...
    /// let factory = FACTORIES.read(|m| m.get("resnet").copied()).expect("registered");
    /// // ... slow work outside it.
    /// assert_eq!(factory(50), "resnet-50");
    /// ```
    #[inline]
    #[track_caller]
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let Ok(result) = self.shared(None, f) else {
            unreachable!("an access without deadline cannot time out")
        };
        result
    }

    /// Shared access until `deadline`: the one path behind `read` and `try_read_for`.
    #[inline(always)]
    #[track_caller]
    fn shared<R>(
        &self,
        deadline: Option<Deadline>,
        f: impl FnOnce(&T) -> R,
    ) -> Result<R, TimedOut> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(global) = self.overridden()
        {
            return Self::shared_cold(&global, deadline, f);
        }
        let frame = self.frame(Mode::Read);
        let access = self.acquire_read(&frame, deadline)?;
        // SAFETY: `access` holds a read lock (or this thread's outer read does): no
        // `&mut T` exists, and the value is built.
        let result = self
            .value
            .with(|value| f(unsafe { (*value).assume_init_ref() }));
        access.release();
        Ok(result)
    }

    /// Runs `f` with exclusive access to the value, building it first if needed, and
    /// returns what `f` returns. Waits for running reads and writes to finish.
    ///
    /// # Panics
    ///
    /// - If this thread already holds the global (in a `read` or a `write`): that
    ///   would deadlock, so it panics at once, naming the global.
    /// - If the global is poisoned, or taking it inverts a lock order (see
    ///   [`read`](Self::read)).
    /// - If `f` panics: the panic passes through and poisons the global.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static NEXT_ID: u64 = 1;
    ///
    /// let id = NEXT_ID.write(|next| {
    ///     let id = *next;
    ///     *next += 1;
    ///     id
    /// });
    /// assert_eq!(id, 1);
    /// assert_eq!(NEXT_ID.read(|next| *next), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let Ok(result) = self.exclusive(None, false, f) else {
            unreachable!("an access without deadline cannot time out")
        };
        result
    }

    /// Exclusive access until `deadline`, ignoring poison if `recovering`: the one
    /// path behind `write`, `try_write_for` and `recover`.
    #[inline(always)]
    #[track_caller]
    fn exclusive<R>(
        &self,
        deadline: Option<Deadline>,
        recovering: bool,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, TimedOut> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(global) = self.overridden()
        {
            return Self::exclusive_cold(&global, deadline, recovering, f);
        }
        let frame = self.frame(Mode::Write);
        let access = self.acquire_write(&frame, deadline, recovering)?;
        // SAFETY: `access` holds the write lock: no other reference to the value exists,
        // and it is built.
        let result = self
            .value
            .with_mut(|value| f(unsafe { (*value).assume_init_mut() }));
        access.release(recovering);
        Ok(result)
    }

    /// Like [`read`](Self::read), but gives up after `timeout` if a writer holds the
    /// global that long.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] (naming the global and the timeout) if the read lock could not be
    /// taken in time; `f` did not run.
    ///
    /// # Panics
    ///
    /// As [`read`](Self::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static LIMITS: [u32; 2] = [10, 20];
    ///
    /// let sum = LIMITS.try_read_for(Duration::from_millis(10), |l| l[0] + l[1]);
    /// assert_eq!(sum, Ok(30));
    /// ```
    #[track_caller]
    pub fn try_read_for<R>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&T) -> R,
    ) -> Result<R, LockTimeout> {
        self.shared(Deadline::after(timeout), f)
            .map_err(|TimedOut| LockTimeout {
                name: self.name,
                timeout,
                write: false,
            })
    }

    /// Like [`write`](Self::write), but gives up after `timeout` if other threads hold
    /// the global that long.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] (naming the global and the timeout) if the write lock could not
    /// be taken in time; `f` did not run and the value is unchanged.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write): a write requested while this thread holds the global
    /// panics rather than waiting out the timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static QUEUE: Vec<&'static str> = Vec::new();
    ///
    /// QUEUE.read(|_| {
    ///     // Another thread cannot write while this one reads.
    ///     let err = std::thread::scope(|s| {
    ///         s.spawn(|| QUEUE.try_write_for(Duration::from_millis(20), |q| q.push("job")))
    ///             .join()
    ///             .unwrap()
    ///             .unwrap_err()
    ///     });
    ///     assert_eq!(
    ///         err.to_string(),
    ///         "timed out after 20ms waiting to write guarded global `QUEUE`: another thread held it"
    ///     );
    /// });
    /// assert!(QUEUE.read(Vec::is_empty));
    /// ```
    #[track_caller]
    pub fn try_write_for<R>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, LockTimeout> {
        self.exclusive(Deadline::after(timeout), false, f)
            .map_err(|TimedOut| LockTimeout {
                name: self.name,
                timeout,
                write: true,
            })
    }

    /// Replaces the value, returning the old one.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static MODE: &'static str = "train";
    ///
    /// assert_eq!(MODE.replace("eval"), "train");
    /// assert_eq!(MODE.read(|m| *m), "eval");
    /// ```
    #[track_caller]
    pub fn replace(&self, value: T) -> T {
        self.write(|current| std::mem::replace(current, value))
    }

    /// Sets the value to `f(&current)` in one write (no other access in between) and
    /// returns the old value.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write); if `f` panics the value is unchanged, and the global
    /// is poisoned like any panicking write.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static VERSION: u32 = 1;
    ///
    /// let old = VERSION.update(|v| v + 1);
    /// assert_eq!((old, VERSION.read(|v| *v)), (1, 2));
    /// ```
    #[track_caller]
    pub fn update(&self, f: impl FnOnce(&T) -> T) -> T {
        self.write(|current| {
            let next = f(current);
            std::mem::replace(current, next)
        })
    }

    /// Takes the value out, leaving `T::default()`.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static PENDING: Vec<u32> = vec![1, 2];
    ///
    /// assert_eq!(PENDING.take(), [1, 2]);
    /// assert!(PENDING.read(Vec::is_empty));
    /// ```
    #[track_caller]
    pub fn take(&self) -> T
    where
        T: Default,
    {
        self.write(std::mem::take)
    }

    /// A clone of the value, taken under a read lock.
    ///
    /// # Panics
    ///
    /// As [`read`](Self::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::BTreeSet;
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static LOGGED: BTreeSet<String> = BTreeSet::new();
    ///
    /// LOGGED.write(|s| s.insert("registry.yaml".to_owned()));
    /// let copy: BTreeSet<String> = LOGGED.snapshot();
    /// assert!(copy.contains("registry.yaml"));
    /// ```
    #[track_caller]
    pub fn snapshot(&self) -> T
    where
        T: Clone,
    {
        self.read(T::clone)
    }

    /// Whether a `write` panicked and the poison has not been cleared since.
    ///
    /// # Examples
    ///
    /// See [`recover`](Self::recover).
    pub fn is_poisoned(&self) -> bool {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(global) = self.overridden()
        {
            return global.is_poisoned();
        }
        self.lock.state() & POISONED != 0
    }

    /// Runs `f` with exclusive access even if the global is poisoned, and clears the
    /// poison once `f` returns: the way to repair a value a panicking `write` may have
    /// left half-changed. On a global that is not poisoned it is just a `write`.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write), except for poison. If `f` panics, the global stays
    /// (or becomes) poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static TOTALS: Vec<u64> = vec![0; 4];
    ///
    /// let crashed = std::panic::catch_unwind(|| {
    ///     TOTALS.write(|t| {
    ///         t[0] += 1;
    ///         panic!("lost the connection half-way");
    ///     })
    /// });
    /// assert!(crashed.is_err());
    /// assert!(TOTALS.is_poisoned());
    ///
    /// TOTALS.recover(|t| t.iter_mut().for_each(|x| *x = 0));
    /// assert!(!TOTALS.is_poisoned());
    /// assert_eq!(TOTALS.read(|t| t.iter().sum::<u64>()), 0);
    /// ```
    #[track_caller]
    pub fn recover<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let Ok(result) = self.exclusive(None, true, f) else {
            unreachable!("an access without deadline cannot time out")
        };
        result
    }

    /// Accepts the value as it is and clears the poison.
    ///
    /// # Panics
    ///
    /// As [`recover`](Self::recover).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::guarded_global;
    ///
    /// #[guarded_global]
    /// static HITS: u64 = 0;
    ///
    /// let _ = std::panic::catch_unwind(|| HITS.write(|_| panic!("oops")));
    /// assert!(HITS.is_poisoned());
    /// HITS.clear_poison();
    /// assert_eq!(HITS.read(|h| *h), 0);
    /// ```
    #[track_caller]
    pub fn clear_poison(&self) {
        self.recover(|_| ());
    }
}

impl<T> Drop for GuardedGlobal<T> {
    fn drop(&mut self) {
        if self.lock.state() & UNINIT == 0 {
            // SAFETY: `&mut self`: no access runs; the value is built (no `UNINIT`).
            self.value
                .with_mut(|value| unsafe { (*value).assume_init_drop() });
        }
    }
}

impl<T> fmt::Debug for GuardedGlobal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock.state();
        f.debug_struct("GuardedGlobal")
            .field("name", &self.name)
            .field("initialized", &(state & UNINIT == 0))
            .field("poisoned", &(state & POISONED != 0))
            .finish_non_exhaustive()
    }
}

/// What `#[guarded_global]` expands to names these.
pub(crate) mod private;
