//! [`Guarded<T>`]: the guarded value as a struct field, for singletons whose state
//! changes. The same core as a [`GuardedGlobal`](crate::GuardedGlobal), with the
//! counted reader strategy (a few words per field, not a kilobyte) and no lazy
//! initialisation: the value exists from `new` on.

use std::fmt;
use std::time::Duration;

use super::core::Core;
use super::error::{LockTimeout, Name};
use super::order::OrderId;
use super::raw::Counted;

/// A value behind a lock that cannot be misused, as a field: the field-level form of
/// [`#[guarded_global]`](crate::guarded_global), for a `#[singleton]` (or any shared
/// struct) whose state changes, like a registry that is registered into.
///
/// The same guarantees as a [`GuardedGlobal`](crate::GuardedGlobal), from the same
/// implementation:
///
/// - Access only through closures ([`read`](Self::read), [`write`](Self::write), ...):
///   no guard escapes, outlives the call, or is held across `.await`.
/// - A `read` nested in a `read` of the same field on the same thread always works,
///   even with a writer waiting in between: methods that read can call each other.
/// - A `write` requested while this thread already holds the field panics at once,
///   naming it (`guarded field `FeatureRegistry.features``), instead of deadlocking.
/// - Lock order is tracked together with the guarded globals (debug builds, or the
///   `lock-order` feature): taking a field and a global in inverted orders is reported.
/// - A panicking `write` poisons the field until [`recover`](Self::recover); timed
///   accesses ([`try_read_for`](Self::try_read_for), ...) give up with a
///   [`LockTimeout`] naming the field; a wait that would close a cycle of threads
///   panics, naming it.
///
/// Reads are counted in one word shared by all readers (as in std's `RwLock`), which
/// keeps a field small; a global's reads scale further (a slot per thread).
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use singleton_runtime::{singleton, Guarded};
///
/// #[singleton]
/// #[derive(Default)]
/// struct FeatureRegistry {
///     features: Guarded<HashMap<String, bool>>,
/// }
///
/// impl FeatureRegistry {
///     fn enable(&self, name: &str) {
///         self.features.write(|f| f.insert(name.to_owned(), true));
///     }
///
///     fn is_enabled(&self, name: &str) -> bool {
///         self.features.read(|f| f.get(name).copied().unwrap_or(false))
///     }
/// }
///
/// FeatureRegistry::instance().enable("fast-path");
/// assert!(FeatureRegistry::instance().is_enabled("fast-path"));
/// ```
pub struct Guarded<T> {
    core: Core<T, Counted>,
}

// A panic in a `write` poisons the value, so a `Guarded` seen again after an unwind
// never shows a half-changed value unannounced (as for std's `RwLock`).
impl<T> std::panic::UnwindSafe for Guarded<T> {}
impl<T> std::panic::RefUnwindSafe for Guarded<T> {}

impl<T: Send + Sync> Guarded<T> {
    /// A guarded `value` named `name` in every message about it: say which field it is
    /// (`"FeatureRegistry.features"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Guarded;
    ///
    /// let scores = Guarded::new("Ranking.scores", vec![3, 1, 2]);
    /// scores.write(|s| s.sort_unstable());
    /// assert_eq!(scores.snapshot(), [1, 2, 3]);
    /// assert_eq!(scores.name(), "Ranking.scores");
    /// ```
    pub fn new(name: &'static str, value: T) -> Self {
        Self {
            core: Core::new(Name::field(name), value, OrderId::new()),
        }
    }
}

/// A `Guarded` of `T::default()`, named after the value's type (e.g.
/// `std::collections::HashMap<alloc::string::String, bool>`), so that
/// `#[derive(Default)]` works on a struct with guarded fields. Name the field with
/// [`Guarded::new`] for clearer messages.
///
/// # Examples
///
/// ```
/// use singleton_runtime::Guarded;
///
/// let seen: Guarded<Vec<u32>> = Guarded::default();
/// assert_eq!(seen.name(), "alloc::vec::Vec<u32>");
/// ```
impl<T: Default + Send + Sync> Default for Guarded<T> {
    fn default() -> Self {
        Self::new(std::any::type_name::<T>(), T::default())
    }
}

impl<T> Guarded<T> {
    /// The name given at construction.
    ///
    /// # Examples
    ///
    /// ```
    /// let jobs = singleton_runtime::Guarded::new("Queue.jobs", Vec::<u32>::new());
    /// assert_eq!(jobs.name(), "Queue.jobs");
    /// ```
    pub fn name(&self) -> &'static str {
        self.core.name.text
    }

    /// Runs `f` with shared access to the value and returns what `f` returns. Many
    /// threads read at once; a read waits only for a running `write`. A read nested in
    /// a read of the same field on this thread never waits.
    ///
    /// # Panics
    ///
    /// If this thread holds the field in a `write`; if it is poisoned; if taking it
    /// inverts a lock order seen before (debug builds or the `lock-order` feature); if
    /// `f` panics (nothing is poisoned by a read). As
    /// [`GuardedGlobal::read`](crate::GuardedGlobal::read).
    ///
    /// The compiler's errors for a reference or a future leaving the closure are
    /// translated under "Common errors" on [`GuardedGlobal::read`](crate::GuardedGlobal::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Guarded;
    ///
    /// let names = Guarded::new("Registry.names", vec!["resnet".to_owned()]);
    /// // Nested reads of one field work (methods that read may call each other).
    /// let n = names.read(|outer| names.read(|inner| outer.len() + inner.len()));
    /// assert_eq!(n, 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.core.read(f)
    }

    /// Runs `f` with exclusive access to the value and returns what `f` returns. Waits
    /// for running reads and writes to finish.
    ///
    /// # Panics
    ///
    /// If this thread already holds the field (in a `read` or a `write`): that would
    /// deadlock, so it panics at once, naming the field. If `f` panics, the panic
    /// passes through and poisons the field. As
    /// [`GuardedGlobal::write`](crate::GuardedGlobal::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Guarded;
    ///
    /// let next_id = Guarded::new("Ids.next", 1_u64);
    /// let id = next_id.write(|n| {
    ///     *n += 1;
    ///     *n - 1
    /// });
    /// assert_eq!((id, next_id.read(|n| *n)), (1, 2));
    /// ```
    #[inline]
    #[track_caller]
    pub fn write<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.core.write(f)
    }

    /// Like [`read`](Self::read), but gives up after `timeout` if a writer holds the
    /// field that long.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] naming the field, if the lock could not be taken in time; `f`
    /// did not run.
    ///
    /// # Panics
    ///
    /// As [`read`](Self::read).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use singleton_runtime::Guarded;
    ///
    /// let limits = Guarded::new("Limits.values", [10, 20]);
    /// assert_eq!(limits.try_read_for(Duration::from_millis(10), |l| l[0] + l[1]), Ok(30));
    /// ```
    #[track_caller]
    pub fn try_read_for<R>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&T) -> R,
    ) -> Result<R, LockTimeout> {
        self.core.try_read_for(timeout, f)
    }

    /// Like [`write`](Self::write), but gives up after `timeout` if other threads hold
    /// the field that long.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] naming the field, if the lock could not be taken in time; `f`
    /// did not run and the value is unchanged.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use singleton_runtime::Guarded;
    ///
    /// let queue = Guarded::new("Jobs.queue", Vec::<&str>::new());
    /// queue.read(|_| {
    ///     let err = std::thread::scope(|s| {
    ///         s.spawn(|| queue.try_write_for(Duration::from_millis(20), |q| q.push("job")))
    ///             .join()
    ///             .unwrap()
    ///             .unwrap_err()
    ///     });
    ///     assert_eq!(
    ///         err.to_string(),
    ///         "timed out after 20ms waiting to write guarded field `Jobs.queue`: another thread held it"
    ///     );
    /// });
    /// ```
    #[track_caller]
    pub fn try_write_for<R>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, LockTimeout> {
        self.core.try_write_for(timeout, f)
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
    /// let mode = singleton_runtime::Guarded::new("Trainer.mode", "train");
    /// assert_eq!(mode.replace("eval"), "train");
    /// assert_eq!(mode.read(|m| *m), "eval");
    /// ```
    #[track_caller]
    pub fn replace(&self, value: T) -> T {
        self.core.replace(value)
    }

    /// Replaces the value with `f(&old)` in one write and returns the *old* value, as
    /// [`RefCell::replace_with`](std::cell::RefCell::replace_with) does.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// let version = singleton_runtime::Guarded::new("Schema.version", 1_u32);
    /// let old = version.replace_with(|v| v + 1);
    /// assert_eq!((old, version.read(|v| *v)), (1, 2));
    /// ```
    #[track_caller]
    pub fn replace_with(&self, f: impl FnOnce(&T) -> T) -> T {
        self.core.replace_with(f)
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
    /// let pending = singleton_runtime::Guarded::new("Batch.pending", vec![1, 2]);
    /// assert_eq!(pending.take(), [1, 2]);
    /// assert!(pending.read(Vec::is_empty));
    /// ```
    #[track_caller]
    pub fn take(&self) -> T
    where
        T: Default,
    {
        self.core.take()
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
    /// let seen = singleton_runtime::Guarded::new("Log.seen", vec!["a.yaml"]);
    /// assert_eq!(seen.snapshot(), ["a.yaml"]);
    /// ```
    #[track_caller]
    pub fn snapshot(&self) -> T
    where
        T: Clone,
    {
        self.core.snapshot()
    }

    /// Whether a `write` panicked and the poison has not been cleared since.
    ///
    /// # Examples
    ///
    /// See [`recover`](Self::recover).
    pub fn is_poisoned(&self) -> bool {
        self.core.is_poisoned()
    }

    /// Runs `f` with exclusive access even if the field is poisoned, and clears the
    /// poison once `f` returns.
    ///
    /// # Panics
    ///
    /// As [`write`](Self::write), except for poison.
    ///
    /// # Examples
    ///
    /// ```
    /// let totals = singleton_runtime::Guarded::new("Stats.totals", vec![0_u64; 2]);
    /// let crashed = std::panic::catch_unwind(|| {
    ///     totals.write(|t| {
    ///         t[0] += 1;
    ///         panic!("half-way");
    ///     })
    /// });
    /// assert!(crashed.is_err() && totals.is_poisoned());
    /// totals.recover(|t| t.fill(0));
    /// assert!(!totals.is_poisoned());
    /// ```
    #[track_caller]
    pub fn recover<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.core.recover(f)
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
    /// let hits = singleton_runtime::Guarded::new("Stats.hits", 0_u64);
    /// let _ = std::panic::catch_unwind(|| hits.write(|_| panic!("oops")));
    /// hits.clear_poison();
    /// assert_eq!(hits.read(|h| *h), 0);
    /// ```
    #[track_caller]
    pub fn clear_poison(&self) {
        self.core.recover(|_| ());
    }

    /// The value, with no lock: `&mut self` proves nobody else can reach it. Poison is
    /// ignored (and stays).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut n = singleton_runtime::Guarded::new("Counter.n", 1);
    /// *n.get_mut() += 1;
    /// assert_eq!(n.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self`: no access runs, and none can start while the borrow lives.
        self.core.value.with_mut(|value| unsafe { &mut *value })
    }

    /// The value, consuming the field. Poison is ignored.
    ///
    /// # Examples
    ///
    /// See [`get_mut`](Self::get_mut).
    pub fn into_inner(self) -> T {
        self.core.value.into_inner()
    }
}

/// Like `Mutex`'s: the value when it can be read without waiting, `<locked>` while
/// another thread writes, and whether it is poisoned.
///
/// # Examples
///
/// ```
/// let level = singleton_runtime::Guarded::new("Log.level", 3);
/// assert_eq!(format!("{level:?}"), r#"Guarded { name: "Log.level", value: 3, .. }"#);
/// level.write(|_| {
///     let shown = std::thread::scope(|s| s.spawn(|| format!("{level:?}")).join().unwrap());
///     assert_eq!(shown, r#"Guarded { name: "Log.level", value: <locked>, .. }"#);
/// });
/// ```
impl<T: fmt::Debug> fmt::Debug for Guarded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.debug("Guarded", f)
    }
}
