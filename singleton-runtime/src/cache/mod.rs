//! `#[invalidating_cache]`'s runtime: a process-wide cache of a value loaded from a
//! file, reloaded when the file changes.
//!
//! - `fingerprint`: what "changed" means, and the same-tick rule;
//! - `source`: loading with the fingerprint bound to the bytes read;
//! - `flight`: the hit path, the deadline, single flight and invalidation (loom-checked);
//! - `slot`: the value the readers borrow (arc-swap; a mutex stand-in under loom);
//! - `value`: [`CacheRef`], what a hit hands out;
//! - `read`: `with`, `get_with_generation`, `subscribe`;
//! - `local`: the per-thread kept values of closure access (`with`);
//! - `context`: caches of several files ([`LoadContext`]);
//! - `boxed_error`: [`BoxedError`];
//! - `private`: what the macro's expansion names;
//! - `reloads` and `subscription`: telling subscribers about reloads;
//! - `watch`: push detection with the `notify` crate (feature `watch`);
//! - `clock`: the cheap monotonic clock of the hit path.

mod boxed_error;
mod clock;
mod context;
mod fingerprint;
mod flight;
mod local;
mod read;
mod reentry;
mod reloads;
mod slot;
mod source;
mod subscription;
mod testing;
mod value;
#[cfg(all(feature = "watch", not(singleton_loom)))]
mod watch;

#[cfg(all(test, not(singleton_loom)))]
mod flight_tests;
#[cfg(all(test, singleton_loom))]
mod loom_tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use boxed_error::BoxedError;
pub use context::LoadContext;
use context::{AnySource, ContextSource, Observed};
pub use fingerprint::Fingerprint;
use flight::Core;
use source::FileSource;
pub use subscription::{Changed, Subscription};
pub use value::CacheRef;

/// How long a cache trusts a value without looking at the file, unless told otherwise:
/// one second.
///
/// Short enough that an edited config is picked up before a person switches windows to
/// check it (a Kubernetes ConfigMap takes up to a minute to reach the pod anyway), long
/// enough that the check (one `stat`, about 1.4 µs in a VM) costs nothing measurable
/// however hot the call site is. `Duration::ZERO` checks on every call.
///
/// # Examples
///
/// ```
/// assert_eq!(singleton_runtime::DEFAULT_CHECK_INTERVAL.as_secs(), 1);
/// ```
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// How a cache's loader reads: the one file at its path, or any files through a
/// [`LoadContext`].
#[derive(Clone, Copy, Debug)]
enum Loader<T, E> {
    Path(fn(&Path) -> Result<T, E>),
    Context(fn(&mut LoadContext) -> Result<T, E>),
}

#[derive(Clone, Copy, Debug)]
enum Interval {
    Fixed(Duration),
    Computed(fn() -> Duration),
}

/// A process-wide cache of a value loaded from a file, that notices when the file
/// changes. This is what `#[invalidating_cache]` expands to; it can also be used by
/// hand, as a `static`.
///
/// - [`get`](Self::get) returns the cached value as a [`CacheRef<T>`](CacheRef), which
///   derefs to `T` (`.to_arc()` for an `Arc` to keep). The first call loads. Later calls
///   within the check interval are a clock read, an atomic load and an `arc-swap`
///   `load` (no reference count: readers on different cores write no common line); the
///   first call after it `stat`s the file and reloads if its [`Fingerprint`] changed.
///   [`with`](Self::with) runs a closure on the value, cheaper still.
/// - A value made of several files: [`with_context`](Self::with_context) and
///   [`LoadContext`]. Reloads can be awaited: [`subscribe`](Self::subscribe); pushed by
///   the OS with the `watch` feature (`watched`, `watch`).
/// - Single flight: one caller checks or loads at a time; meanwhile the others keep the
///   previous value, or, before the first value, wait for that load and share its
///   outcome. A reader's value is its own: a reload never changes a value in use.
/// - A failed load (missing file, parse error, permission, a directory in its place)
///   keeps the last good value and records the error ([`last_error`](Self::last_error));
///   only with no good value yet does `get` return the error. A failure is retried once
///   the check interval (at least 1 s) has passed, even if the file looks unchanged; with
///   no value yet, within 1 s whatever the interval.
///
/// # Panics
///
/// A loader (or a `path` function) that asks for its own cache while it loads (directly
/// or through other code) would wait for itself: the call panics instead, naming the
/// cache (see [`named`](Self::named)).
///
/// **Errors** are `Arc<E>`: every caller that shared one failed load gets the same
/// error, and `Arc<E>` implements `std::error::Error` when `E` does, so `?` into
/// `Box<dyn Error>` or `anyhow::Error` works. For `Box<dyn Error + Send + Sync>`, which
/// is not an `Error` itself, use [`BoxedError`] (`#[invalidating_cache]` does).
///
/// **Staleness**: a value is served at most `check_interval` plus one coarse clock tick
/// (at most 10 ms) plus the time of one reload after the change was made. A rewrite
/// that lands in the same filesystem timestamp tick as the read it raced (and so may
/// leave every fingerprint field equal) is caught by re-reading once when the tick
/// has closed: within `check_interval` + 2 s. With a watcher (feature `watch`), a
/// change is usually stored within a millisecond of the write (0.26–0.78 ms measured
/// in the tests), the interval bounding it when an event is lost.
///
/// `T` and `E` must be `Send + Sync` for a `static`.
///
/// # Examples
///
/// ```
/// use std::path::{Path, PathBuf};
/// use std::time::Duration;
/// use singleton_runtime::InvalidatingCache;
///
/// fn config_path() -> PathBuf {
///     std::env::temp_dir().join(format!("invalidating-cache-doc-{}.txt", std::process::id()))
/// }
///
/// fn load_port(path: &Path) -> Result<u16, String> {
///     let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
///     text.trim().parse().map_err(|e| format!("{}: {e}", path.display()))
/// }
///
/// static PORT: InvalidatingCache<u16, String> =
///     InvalidatingCache::new(config_path, load_port).with_check_interval(Duration::ZERO);
///
/// std::fs::write(config_path(), "8080")?;
/// assert_eq!(*PORT.get().unwrap(), 8080);
///
/// std::fs::write(config_path(), "not a port")?;
/// assert_eq!(*PORT.get().unwrap(), 8080, "a bad file keeps the last good value");
/// assert!(PORT.last_error().is_some());
///
/// std::fs::write(config_path(), "9090")?;
/// assert_eq!(*PORT.get().unwrap(), 9090);
/// assert_eq!(PORT.generation(), 2);
/// # std::fs::remove_file(config_path())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct InvalidatingCache<T, E> {
    path: fn() -> PathBuf,
    load: Loader<T, E>,
    interval: Interval,
    core: Core<T, E, Observed>,
    /// Called on the first check: starts the watcher (`watch = true`).
    watch: Option<fn()>,
    #[cfg(all(feature = "watch", not(singleton_loom)))]
    watcher: watch::Watcher,
}

impl<T, E> std::fmt::Debug for InvalidatingCache<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.core.status();
        f.debug_struct("InvalidatingCache")
            .field("name", &self.core.name())
            .field("path", &(self.path)())
            .field("check_interval", &self.check_interval())
            .field("loaded", &self.core.peek().is_some())
            .field("generation", &status.generation)
            .field("failures", &status.failures)
            .finish_non_exhaustive()
    }
}

// SAFETY: every field is `Sync` when `T: Send + Sync` and `E: Send + Sync` (the slot is an
// `ArcSwapOption<T>`, the state a `Mutex` holding `Option<Arc<E>>`, the subscribers a
// `Mutex` of `Waker`s and a `Condvar`, the watcher a `OnceLock` of a `Mutex` of a `Send`
// watcher (asserted in `watch.rs`), the rest atomics and fn pointers), and the only
// constructors, `new` and `private::new_cache_checked` (which checks `T` and `E` with
// `singleton::value_check` before building one), require exactly that. Stating it here
// makes a non-`Sync` type fail once, at that check, instead of again at the `static`.
unsafe impl<T, E> Sync for InvalidatingCache<T, E> {}

impl<T: Send + Sync, E: Send + Sync> InvalidatingCache<T, E> {
    crate::sync::loom_const_fn! {
    /// A cache of what `load` makes of the file at `path()`, checked every
    /// [`DEFAULT_CHECK_INTERVAL`]. Nothing is read until the first [`get`](Self::get).
    ///
    /// `path` is called each time the cache checks or loads (not on hits), so it may
    /// read an environment variable or a setting.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static HOSTS: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/etc/hosts".into(), |path| std::fs::read_to_string(path));
    /// ```
    pub fn new(path: fn() -> PathBuf, load: fn(&Path) -> Result<T, E>) -> Self {
        Self::with_loader(path, Loader::Path(load))
    }
    }

    crate::sync::loom_const_fn! {
    /// A cache of a value made of several files: `load` reads each file through the
    /// [`LoadContext`] (the main one, at `path()`, and any it includes), which tracks
    /// them all. A change to any of them reloads the whole value; a load that fails for
    /// any file keeps the last good value whole (see [`LoadContext`] for an example).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::{InvalidatingCache, LoadContext};
    ///
    /// fn load(ctx: &mut LoadContext) -> std::io::Result<String> {
    ///     let main = ctx.read_to_string(ctx.path().to_owned())?;
    ///     let extra = ctx.read_to_string("/etc/hostname").unwrap_or_default();
    ///     Ok(main + &extra)
    /// }
    ///
    /// static HOSTS: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::with_context(|| "/etc/hosts".into(), load);
    /// ```
    pub fn with_context(path: fn() -> PathBuf, load: fn(&mut LoadContext) -> Result<T, E>) -> Self {
        Self::with_loader(path, Loader::Context(load))
    }
    }
}

impl<T, E> InvalidatingCache<T, E> {
    crate::sync::loom_const_fn! {
    /// Without the bounds of `new`: only for `new`, `with_context` and the checked
    /// constructors of `private` (which check `T, E: Send + Sync` with their own
    /// messages); the `Sync` impl relies on every caller having done so.
    fn with_loader(path: fn() -> PathBuf, load: Loader<T, E>) -> Self {
        Self {
            path,
            load,
            interval: Interval::Fixed(DEFAULT_CHECK_INTERVAL),
            core: Core::new(),
            watch: None,
            #[cfg(all(feature = "watch", not(singleton_loom)))]
            watcher: watch::Watcher::new(),
        }
    }
    }

    /// Sets how long a value is trusted without looking at the file. `Duration::ZERO`
    /// checks (one `stat`) on every call.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static STRICT: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/etc/hostname".into(), |p| std::fs::read_to_string(p))
    ///         .with_check_interval(Duration::ZERO);
    /// assert_eq!(STRICT.check_interval(), Duration::ZERO);
    /// ```
    #[must_use]
    pub const fn with_check_interval(mut self, interval: Duration) -> Self {
        self.interval = Interval::Fixed(interval);
        self
    }

    /// Names the cache in its panic messages (`#[invalidating_cache]` names it after
    /// the loader fn); an unnamed cache is called by its value type.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static HOSTS: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/etc/hosts".into(), |p| std::fs::read_to_string(p))
    ///         .named("HOSTS");
    /// assert!(format!("{HOSTS:?}").contains("HOSTS"));
    /// ```
    #[must_use]
    pub const fn named(mut self, name: &'static str) -> Self {
        self.core.set_name(name);
        self
    }

    /// Like [`with_check_interval`](Self::with_check_interval), for an interval known
    /// only at run time: `interval` is called at each check.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// fn from_env() -> Duration {
    ///     let ms = std::env::var("SURELY_UNSET_CONFIG_CHECK_MS").ok().and_then(|v| v.parse().ok());
    ///     Duration::from_millis(ms.unwrap_or(500))
    /// }
    ///
    /// static CONFIG: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "app.toml".into(), |p| std::fs::read_to_string(p))
    ///         .with_check_interval_fn(from_env);
    /// assert_eq!(CONFIG.check_interval(), Duration::from_millis(500));
    /// ```
    #[must_use]
    pub const fn with_check_interval_fn(mut self, interval: fn() -> Duration) -> Self {
        self.interval = Interval::Computed(interval);
        self
    }

    /// The cached value: loaded on the first call, and reloaded when the check interval
    /// has passed and the file's fingerprint changed (or after
    /// [`invalidate`](Self::invalidate)). A failed reload keeps serving the last good
    /// value (see [`last_error`](Self::last_error)).
    ///
    /// # Errors
    ///
    /// The loader's error, shared by every caller of that load, when there is no good
    /// value yet: the file was missing or bad at every load so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static MISSING: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.toml".into(), |p| std::fs::read_to_string(p));
    /// let error = MISSING.get().unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    /// ```
    #[inline]
    #[track_caller]
    pub fn get(&self) -> Result<CacheRef<T>, Arc<E>> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(value) = self.overridden()
        {
            return Ok(CacheRef::from_arc(value));
        }
        let now = clock::now_ns();
        match self.core.hit_ref(now) {
            Some(value) => Ok(value),
            None => self.check(now).map(CacheRef::from_arc),
        }
    }

    #[cold]
    #[track_caller]
    fn check(&self, now: u64) -> Result<Arc<T>, Arc<E>> {
        match self.check_or_busy(now, true) {
            Some(outcome) => outcome,
            None => unreachable!("a check that may wait always ends with an outcome"),
        }
    }

    /// `check`; with `wait` false, `None` instead of waiting for a check or load in
    /// flight on another thread.
    #[track_caller]
    fn check_or_busy(&self, now: u64, wait: bool) -> Option<Result<Arc<T>, Arc<E>>> {
        if let Some(start) = self.watch {
            start();
        }
        let interval = self.interval_ns();
        let result = if wait {
            Some(self.core.get(now, interval, || self.source()))
        } else {
            self.core.get_unless_busy(now, interval, || self.source())
        };
        self.follow_files();
        result
    }

    /// With a watcher running (started by `watched` or by hand), the directories of the
    /// files a context loader read are watched too.
    #[cfg_attr(
        not(all(feature = "watch", not(singleton_loom))),
        allow(clippy::unused_self)
    )]
    fn follow_files(&self) {
        #[cfg(all(feature = "watch", not(singleton_loom)))]
        if matches!(self.load, Loader::Context(_)) && self.watcher.started() {
            self.watcher.follow(&self.files());
        }
    }

    /// Loads the file now, whatever its fingerprint, and returns the outcome of that
    /// load (it waits for a check or load already running, then loads). Meanwhile other
    /// callers keep getting the previous value. On failure the cache keeps serving its
    /// last good value to [`get`](Self::get), but `reload` returns the error.
    ///
    /// # Errors
    ///
    /// The error of that load.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// # fn path() -> std::path::PathBuf { std::env::temp_dir().join(format!("reload-doc-{}", std::process::id())) }
    /// static TEXT: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(path, |p| std::fs::read_to_string(p));
    /// std::fs::write(path(), "one")?;
    /// assert_eq!(*TEXT.get()?, "one");
    /// std::fs::write(path(), "two")?;
    /// assert_eq!(*TEXT.reload()?, "two");
    /// std::fs::remove_file(path())?;
    /// assert!(TEXT.reload().is_err());
    /// assert_eq!(*TEXT.get()?, "two", "still the last good value");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[track_caller]
    pub fn reload(&self) -> Result<CacheRef<T>, Arc<E>> {
        let result = self
            .core
            .reload(clock::now_ns(), self.interval_ns(), || self.source());
        self.follow_files();
        result.map(CacheRef::from_arc)
    }

    /// Makes the next [`get`](Self::get) reload, even if the file looks unchanged. No
    /// call that starts after `invalidate` returns gets a value loaded before it: such
    /// calls wait for one load that started after it (if that load fails, they get the
    /// last good value, as always). A load already running finishes, but its result
    /// does not count as current.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// # fn path() -> std::path::PathBuf { std::env::temp_dir().join(format!("invalidate-doc-{}", std::process::id())) }
    /// static TEXT: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(path, |p| std::fs::read_to_string(p));
    /// std::fs::write(path(), "one")?;
    /// TEXT.get()?;
    /// TEXT.invalidate();
    /// TEXT.get()?;
    /// assert_eq!(TEXT.generation(), 2);
    /// # std::fs::remove_file(path())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn invalidate(&self) {
        self.core.invalidate();
    }

    /// The current value, if any, without checking the file or loading it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// static NEVER_READ: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "app.toml".into(), |p| std::fs::read_to_string(p));
    /// assert!(NEVER_READ.peek().is_none());
    /// ```
    pub fn peek(&self) -> Option<Arc<T>> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(value) = self.overridden()
        {
            return Some(value);
        }
        self.core.peek()
    }

    /// The error of the most recent load if it failed; `None` once a load succeeds
    /// again. While this is `Some`, [`get`](Self::get) serves the last good value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// static MISSING: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.toml".into(), |p| std::fs::read_to_string(p));
    /// assert!(MISSING.last_error().is_none(), "nothing tried yet");
    /// let _ = MISSING.get();
    /// assert_eq!(MISSING.last_error().unwrap().kind(), std::io::ErrorKind::NotFound);
    /// ```
    pub fn last_error(&self) -> Option<Arc<E>> {
        self.core.status().last_error
    }

    /// How many loads have succeeded: 0 before the first value, then 1, 2, .... It is
    /// counted when a new value is stored, so a caller racing that store may briefly get
    /// the new `Arc` from [`get`](Self::get) while this still reports the previous count
    /// (the value is published first, without a lock, then counted).
    ///
    /// # Examples
    ///
    /// See [`invalidate`](Self::invalidate).
    pub fn generation(&self) -> u64 {
        self.core.status().generation
    }

    /// How many loads have failed since the cache was created.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// static MISSING: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/surely/not/here.toml".into(), |p| std::fs::read_to_string(p));
    /// let _ = MISSING.reload();
    /// let _ = MISSING.reload();
    /// assert_eq!(MISSING.failures(), 2);
    /// ```
    pub fn failures(&self) -> u64 {
        self.core.status().failures
    }

    /// When the current value finished loading (wall clock), if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// static NEVER_READ: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "app.toml".into(), |p| std::fs::read_to_string(p));
    /// assert!(NEVER_READ.last_loaded().is_none());
    /// ```
    pub fn last_loaded(&self) -> Option<SystemTime> {
        self.core.status().loaded_at
    }

    /// The fingerprint of the file as the most recent load read it, if it could be
    /// pinned down (the file existed and held still while it was read).
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::{Fingerprint, InvalidatingCache};
    /// # fn path() -> std::path::PathBuf { std::env::temp_dir().join(format!("fp-doc-{}", std::process::id())) }
    /// static TEXT: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(path, |p| std::fs::read_to_string(p));
    /// std::fs::write(path(), "abc")?;
    /// TEXT.get()?;
    /// assert_eq!(TEXT.fingerprint(), Some(Fingerprint::of_path(&path())?));
    /// # std::fs::remove_file(path())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        match self.core.status().seen? {
            Observed::One(seen) => seen.fingerprint,
            Observed::Files(files) => {
                let main = self.path();
                files.iter().find(|f| f.path == main)?.fingerprint()
            }
        }
    }

    /// The files the most recent load read (or looked for): the path, for a `&Path`
    /// loader; every file read through the [`LoadContext`], for a context loader.
    ///
    /// # Examples
    ///
    /// See [`LoadContext`].
    pub fn files(&self) -> Vec<PathBuf> {
        match self.core.status().seen {
            None => Vec::new(),
            Some(Observed::One(_)) => vec![self.path()],
            Some(Observed::Files(files)) => files.iter().map(|f| f.path.clone()).collect(),
        }
    }

    /// How long a value is trusted without looking at the file.
    ///
    /// # Examples
    ///
    /// See [`with_check_interval`](Self::with_check_interval).
    ///
    /// # Panics
    ///
    /// If the interval's function asks for this cache (which would check the file,
    /// and so need the interval again, forever).
    #[track_caller]
    pub fn check_interval(&self) -> Duration {
        match self.interval {
            Interval::Fixed(interval) => interval,
            Interval::Computed(interval) => {
                let key = std::ptr::from_ref(self).addr();
                let Some(_entered) = reentry::Entered::enter(key, reentry::Running::Interval)
                else {
                    panic!(
                        "invalidating cache {}: its check interval asked for its own cache,                          which would need the check interval again, forever; compute the                          interval without the cache's value (read the current value with                          `cache().peek()` if you need it)",
                        self.core.label()
                    )
                };
                interval()
            }
        }
    }

    /// The path the cache reads (the path function, evaluated now).
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// static HOSTS: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/etc/hosts".into(), |p| std::fs::read_to_string(p));
    /// assert_eq!(HOSTS.path(), std::path::Path::new("/etc/hosts"));
    /// ```
    pub fn path(&self) -> PathBuf {
        (self.path)()
    }

    fn interval_ns(&self) -> u64 {
        u64::try_from(self.check_interval().as_nanos()).unwrap_or(u64::MAX)
    }

    fn source(&self) -> AnySource<T, E> {
        let path = (self.path)();
        match self.load {
            Loader::Path(load) => AnySource::File(FileSource { path, load }),
            Loader::Context(load) => AnySource::Context(ContextSource { path, load }),
        }
    }
}

/// What `#[invalidating_cache]`'s expansion names, through
/// `::singleton_runtime::__private`.
pub(crate) mod private;
