//! [`GuardedGlobal<T>`]: lazily build a guarded value (`Core<T, Biased>`) on first
//! access, through the crate's one build-once claim, then hand every access to it.
//!
//! The fast path is one acquire load of `current` and a null check in front of the
//! core's own fast path. Building goes through `once::blocking::claim` (one builder,
//! the others wait in the wait-for graph); a frame in `Init` mode is linked while the
//! initialiser runs, so that an initialiser touching its own global panics with that
//! name instead of reporting a claim cycle.

use std::fmt;
use std::time::Duration;

use super::core::Core;
use super::error::{LockTimeout, Name};
use super::held::{self, Frame, Linked, Mode};
use super::order::OrderId;
use super::raw::Biased;
use crate::once::blocking;
use crate::sync::{AtomicPtr, Ordering, loom_const_fn};
use crate::waits::{Kind, Resource};

/// A global value behind a lock that cannot be misused: reachable only through
/// closures, so no guard can escape, outlive the call, or be held across `.await`.
/// What `#[guarded_global]` turns a `static` into; also usable directly. For a value
/// inside a struct (a registry singleton with state that changes), use
/// [`Guarded`](crate::Guarded): the same lock, as a field.
///
/// - The value is built by `init` on first access, once, from any number of threads.
///   An initialiser that panics stores nothing: the next access tries again.
/// - [`read`](Self::read)s run in parallel and scale: each thread registers in its own
///   cache line, so readers on different cores do not slow each other down.
/// - A `read` nested in a `read` of the same global on the same thread always works,
///   even with a writer waiting in between (the nested read does not queue).
/// - A `write` (or any access) requested while this thread already holds the global in
///   a way that would deadlock or alias panics at once, naming the global.
/// - In debug builds (or with the `lock-order` feature), taking two globals (or
///   [`Guarded`](crate::Guarded) fields) in an order that inverts one seen before
///   panics, naming both, before it can deadlock.
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
///
/// `new` takes a `fn() -> T`, not a closure, so that it can be `const` (a `static`'s
/// initialiser). A value that depends on run-time input is built by a `fn` that reads
/// it from where it lives (an environment variable, a config `#[singleton]`), or is
/// written in once, at start-up:
///
/// ```
/// use singleton_runtime::GuardedGlobal;
///
/// fn workers_from_env() -> usize {
///     std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(4)
/// }
/// static WORKERS: GuardedGlobal<usize> = GuardedGlobal::new("WORKERS", workers_from_env);
///
/// // Or: start empty and fill it once the input is known.
/// static MODEL_DIR: GuardedGlobal<Option<String>> = GuardedGlobal::new("MODEL_DIR", || None);
/// let dir_from_args = String::from("/models");
/// MODEL_DIR.replace(Some(dir_from_args));
/// assert_eq!(MODEL_DIR.read(|d| d.clone()).as_deref(), Some("/models"));
/// # assert!(WORKERS.read(|w| *w) > 0);
/// ```
pub struct GuardedGlobal<T> {
    /// The built value: null until the initialiser succeeds. Stored (release) once the
    /// core is fully built; never changed again until `drop` (a reset replaces the
    /// value inside the core, under its write lock).
    current: AtomicPtr<Core<T, Biased>>,
    pub(super) init: fn() -> T,
    pub(super) name: &'static str,
    /// The lock-order id, shared with the core once built.
    order: OrderId,
}

// SAFETY: every access goes to the core, which is `Sync` for `T: Send + Sync` (the bound
// on the only constructor, `new`, rather than here: then a value type that cannot be
// shared is reported once, at the constructor (for `#[guarded_global]`: at the static's
// type, with a message saying why), instead of a second time as "shared static
// variables must have a type that implements `Sync`"). `current` is only ever set once
// from null to a core built by the claim holder.
unsafe impl<T> Sync for GuardedGlobal<T> {}
// SAFETY: moving the global moves the core it owns.
unsafe impl<T: Send> Send for GuardedGlobal<T> {}

// As for `Guarded`: poisoning announces a value a panic may have left half-changed.
impl<T> std::panic::UnwindSafe for GuardedGlobal<T> {}
impl<T> std::panic::RefUnwindSafe for GuardedGlobal<T> {}

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
        Self::unbounded(name, init)
    }
    }
}

impl<T> GuardedGlobal<T> {
    loom_const_fn! {
    /// [`new`](Self::new) without its bound, for the constructor that checks
    /// `T: Send + Sync` with its own messages (`__private::guarded_global_checked`):
    /// the `Sync` impl relies on every caller having done so.
    pub(crate) fn unbounded(name: &'static str, init: fn() -> T) -> Self {
        Self {
            current: AtomicPtr::new(std::ptr::null_mut()),
            init,
            name,
            order: OrderId::new(),
        }
    }
    }
}

/// The core an access goes to: the global's own, built if needed, or this thread's
/// override (the `testing` feature).
pub(super) enum Target<'a, T> {
    Own(&'a Core<T, Biased>),
    #[cfg(any(test, feature = "testing"))]
    Overridden(crate::overrides::Found<Core<T, Biased>>),
}

impl<T> std::ops::Deref for Target<'_, T> {
    type Target = Core<T, Biased>;

    #[inline(always)]
    fn deref(&self) -> &Core<T, Biased> {
        match self {
            Target::Own(core) => core,
            #[cfg(any(test, feature = "testing"))]
            Target::Overridden(found) => found,
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

    /// The core to access: this thread's override, or the built value.
    #[inline(always)]
    #[track_caller]
    pub(super) fn target(&self) -> Target<'_, T> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(overridden) = self.overridden()
        {
            return Target::Overridden(overridden);
        }
        Target::Own(self.core())
    }

    /// The built core, building it first if needed.
    #[inline(always)]
    #[track_caller]
    pub(super) fn core(&self) -> &Core<T, Biased> {
        match self.built() {
            Some(core) => core,
            None => self.build(),
        }
    }

    /// The built core, if built.
    #[inline(always)]
    pub(super) fn built(&self) -> Option<&Core<T, Biased>> {
        let core = self.current.load(Ordering::Acquire);
        // SAFETY: a non-null `current` points to a core that was fully built before it
        // was stored (release; this load is acquire), and is freed only by `drop`
        // (`&mut self`), so it outlives this borrow.
        (!core.is_null()).then(|| unsafe { &*core })
    }

    /// The identity of this global before its core exists: its own address.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Builds the value (or waits for the thread that builds it), under the claim.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn build(&self) -> &Core<T, Biased> {
        let name = Name::global(self.name);
        let frame = Frame::new(self.key(), name, Mode::Read, &self.order);
        // SAFETY: `frame` lives until the end of this fn, and `linked` unlinks it
        // before, also when unwinding. Entering first is what turns an initialiser that
        // touches its own global into a panic naming it (the frame below is in `Init`
        // mode then), and records the lock order of taking this global.
        let _entered = unsafe { held::enter(&frame) };
        let _linked = Linked(&frame);
        let resource = Resource::named(self.key(), Kind::GuardedGlobal, self.name);
        loop {
            let ready = || !self.current.load(Ordering::Acquire).is_null();
            let Some(claim) = blocking::claim(&resource, ready) else {
                if let Some(core) = self.built() {
                    return core;
                }
                continue;
            };
            frame.set_mode(Mode::Init);
            let value = (self.init)();
            let core = Core::new(name, value, OrderId::fixed(self.order.get()));
            // Built by a read or a write alike: start biased (reads are the common case;
            // the first write revokes it).
            core.lock.try_bias();
            let core = Box::into_raw(Box::new(core));
            self.current.store(core, Ordering::Release);
            drop(claim);
            // SAFETY: allocated above, freed only by `drop` (`&mut self`).
            return unsafe { &*core };
        }
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
    /// # Common errors
    ///
    /// The closures are what keep a guard from escaping, so the compiler words the
    /// mistakes as lifetime errors. What each message means here (the same for
    /// [`write`](Self::write) and the other closure methods):
    ///
    /// - *"lifetime may not live long enough … returning this value requires that `'1`
    ///   must outlive `'2`"*, pointing at `m.get(..)`: the closure returns a reference
    ///   into the value, which would outlive the lock. Return an owned copy instead:
    ///   `.cloned()`, `.copied()`, `.to_owned()`, or compute the answer inside.
    /// - The same message pointing at an `async move { .. }` block: the closure returns
    ///   a future that would hold the value across `.await`, after the lock is gone.
    ///   rustc's help ("consider pinning", "use an async closure") leads the wrong way:
    ///   copy what the async code needs out of the global first, then `.await`.
    /// - *"`await` is only allowed inside `async` functions and blocks"* inside the
    ///   closure: a lock cannot be held across an `.await`; end the access, then await.
    /// - *"borrowed data escapes outside of closure"* when assigning to a variable
    ///   declared outside: the same as the first; store an owned value.
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
        self.target().read(f)
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
    /// The compiler's errors for a reference or a future leaving the closure are
    /// translated under "Common errors" on [`read`](Self::read).
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
        self.target().write(f)
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
        self.target().try_read_for(timeout, f)
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
        self.target().try_write_for(timeout, f)
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
        self.target().replace(value)
    }

    /// Replaces the value with `f(&old)` in one write (no other access in between) and
    /// returns the *old* value, as [`RefCell::replace_with`](std::cell::RefCell::replace_with)
    /// does. To get the new value, read it in the same `write` instead:
    /// `G.write(|v| { *v += 1; *v })`.
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
    /// let old = VERSION.replace_with(|v| v + 1);
    /// assert_eq!((old, VERSION.read(|v| *v)), (1, 2));
    /// ```
    #[track_caller]
    pub fn replace_with(&self, f: impl FnOnce(&T) -> T) -> T {
        self.target().replace_with(f)
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
        self.target().take()
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
        self.target().snapshot()
    }

    /// Whether a `write` panicked and the poison has not been cleared since.
    ///
    /// # Examples
    ///
    /// See [`recover`](Self::recover).
    pub fn is_poisoned(&self) -> bool {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(overridden) = self.overridden()
        {
            return overridden.is_poisoned();
        }
        self.built().is_some_and(Core::is_poisoned)
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
        self.target().recover(f)
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
        let core = self.current.load(Ordering::Acquire);
        if !core.is_null() {
            // SAFETY: from `Box::into_raw` in `build`, stored once; `&mut self`: no
            // access runs.
            drop(unsafe { Box::from_raw(core) });
        }
    }
}

/// Like `Mutex`'s: the value when it can be read without waiting (`<locked>` while
/// another thread writes, `<uninit>` before the first access; never builds it), and
/// whether it is poisoned.
///
/// # Examples
///
/// ```
/// use singleton_runtime::guarded_global;
///
/// #[guarded_global]
/// static LEVEL: u8 = 3;
///
/// assert_eq!(format!("{LEVEL:?}"), r#"GuardedGlobal { name: "LEVEL", value: <uninit>, .. }"#);
/// LEVEL.read(|_| ());
/// assert_eq!(format!("{LEVEL:?}"), r#"GuardedGlobal { name: "LEVEL", value: 3, .. }"#);
/// ```
impl<T: fmt::Debug> fmt::Debug for GuardedGlobal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.built() {
            Some(core) => core.debug("GuardedGlobal", f),
            None => f
                .debug_struct("GuardedGlobal")
                .field("name", &self.name)
                .field("value", &format_args!("<uninit>"))
                .finish_non_exhaustive(),
        }
    }
}
