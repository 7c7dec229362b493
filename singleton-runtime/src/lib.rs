#![doc = include_str!("../docs/crate.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod sync;
#[cfg(all(test, not(singleton_loom)))]
mod test_support;

mod async_singleton;
mod cache;
pub mod env;
mod guarded;
mod init_once;
mod once;
mod overrides;
mod singleton;
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod thread_scope;
mod waits;

pub use async_singleton::{AsyncSingleton, GetOrInit, GetOrTryInit};
pub use cache::*;
pub use guarded::*;
#[cfg(not(singleton_loom))]
pub use init_once::InitOnceState;
pub use init_once::{AlreadyInitialized, InitOnce, InitOnceError};
pub use singleton::Singleton;
pub use thread_scope::ThreadScopeError;

/// Makes a struct, an enum or a fn a process-wide instance, created once on first use.
///
/// # On a struct or enum
///
/// Adds `Type::instance() -> &'static Type`. The value is built with `Default`, or with
/// `init = ...`: a path to a `fn() -> Self`, or a closure `|| ...`. With
/// `error = E`, `init` returns `Result<Self, E>` and `instance()` returns
/// `Result<&'static Self, E>` (the macro cannot see a path's return type, so the error
/// type is spelled out). `instance()` has the visibility of the type.
///
/// ```
/// use singleton_runtime::singleton;
/// use std::collections::HashMap;
///
/// #[singleton]
/// #[derive(Default)]
/// pub struct FeatureRegistry {
///     features: HashMap<String, bool>,
/// }
///
/// #[singleton(init = Pool::connect)]
/// pub struct Pool {
///     size: usize,
/// }
///
/// impl Pool {
///     fn connect() -> Self {
///         Pool { size: 8 }
///     }
/// }
///
/// #[derive(Debug)]
/// pub struct LoadError;
///
/// #[singleton(init = Settings::load, error = LoadError)]
/// pub struct Settings {
///     verbose: bool,
/// }
///
/// impl Settings {
///     fn load() -> Result<Self, LoadError> {
///         Ok(Settings { verbose: false })
///     }
/// }
///
/// assert!(FeatureRegistry::instance().features.is_empty());
/// assert_eq!(Pool::instance().size, 8);
/// assert!(!Settings::instance()?.verbose);
/// # Ok::<(), LoadError>(())
/// ```
///
/// # On a fn
///
/// `fn name() -> T` becomes `fn name() -> &'static T`; `-> Result<T, E>` (any path
/// ending in `Result`, e.g. `io::Result<T>`) becomes `-> Result<&'static T, E>`. The
/// body is the initialiser: `return` and `?` work as written. Visibility, docs and other
/// attributes are kept.
///
/// ```
/// use singleton_runtime::singleton;
///
/// #[singleton]
/// fn model_names() -> Vec<String> {
///     vec!["resnet".into(), "bert".into()]
/// }
///
/// #[singleton]
/// fn threads() -> Result<usize, std::num::ParseIntError> {
///     let n: usize = "4".parse()?;
///     Ok(n)
/// }
///
/// assert_eq!(model_names().len(), 2);
/// assert_eq!(*threads()?, 4);
/// # Ok::<(), std::num::ParseIntError>(())
/// ```
///
/// # Async
///
/// On an `async fn`, the body is an async initialiser: `async fn name() -> T` becomes
/// `fn name() -> impl Future<Output = &'static T> + Send` (used as an async fn:
/// `name().await`), and `-> Result<T, E>` gives `Result<&'static T, E>`. On a struct,
/// `init = async path` (a fn returning a future of `Self`, or of `Result<Self, E>` with
/// `error = E`) or an async closure makes `Type::instance()` async. Sync code that must
/// not wait reads `name::get()` (or `Type::instance_if_ready()`): `Some` once
/// initialised.
///
/// ```
/// use singleton_runtime::singleton;
///
/// pub struct HealthMonitor { checks: Vec<&'static str> }
///
/// #[singleton]
/// async fn health_monitor() -> HealthMonitor {
///     // e.g. `connect().await?`: any `Send` future
///     HealthMonitor { checks: vec!["db", "queue"] }
/// }
///
/// #[singleton(init = async IncidentManager::start)]
/// pub struct IncidentManager { open: usize }
///
/// impl IncidentManager {
///     async fn start() -> Self {
///         IncidentManager { open: health_monitor().await.checks.len() }
///     }
/// }
///
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// # block_on(async {
/// assert!(health_monitor::get().is_none());
/// assert_eq!(IncidentManager::instance().await.open, 2);
/// assert_eq!(health_monitor::get().map(|m| m.checks.len()), Some(2));
/// # });
/// ```
///
/// - Runtime-agnostic: no executor is assumed (tokio, `futures::executor`, smol ...).
///   The initialiser's future must be `Send + 'static`: it is kept in the singleton,
///   not in the task that started it. A value held across an `.await` that is not
///   `Send` (an `Rc`, a `RefCell` or `std` `MutexGuard`) is a compile error ("the
///   initialiser of an async singleton must be a `Send` future ...", then rustc's
///   "future cannot be sent between threads safely", which points at the value and the
///   `.await`): drop it before the `.await`.
/// - One successful run, whatever the tasks and threads. Callers that arrive while it
///   runs wait: their wakers are registered and woken when it ends; nobody spins and no
///   executor thread is blocked.
/// - **Cancellation continues, it does not restart.** If the task polling the
///   initialiser is dropped (a timeout, an aborted request), the next waiter polls the
///   *same* future on. This is the default, and the only policy, because an
///   initialiser is shared work: with tokio's `OnceCell`, 100 callers with a 1 s
///   timeout on a 5 s initialiser ran it 6 times (tokio#4496), and our test of that
///   scenario runs it once. Work that must stop when its caller goes away is not a
///   singleton's initialiser (a restart policy would be added if a need appears).
/// - An `Err` (returned to the caller whose poll finished the run), or a panic while
///   polling (propagated to that caller), stores nothing; waiting callers are woken and
///   the first of them starts a new run with its own initialiser.
/// - An initialiser that awaits its own singleton, directly or through others, panics
///   with the chain (`singleton init cycle: health_monitor -> incident_manager ->
///   health_monitor`); so does a cycle across tasks (task 1 initialises A and awaits B
///   while task 2 initialises B and awaits A), also two tasks on one thread of a
///   current-thread runtime, and a cycle through sync singletons, `#[init_once]` fns and
///   guarded globals: they are one wait-for graph, in which each run of an async
///   initialiser is an agent of its own.
///
/// ## Sync macros called from async code
///
/// Which calls block an executor thread, and for how long:
/// - a sync `#[singleton]` (and `#[init_once]`): once initialised, never (one load).
///   The first call runs the initialiser on the calling thread, blocking it for the
///   initialiser's whole duration, and callers on other threads block until it is done.
///   A slow or I/O-bound initialiser belongs in an async singleton (or
///   `spawn_blocking`); never `block_on` inside a sync initialiser on an executor thread
///   (tokio panics: "Cannot start a runtime from within a runtime").
/// - `#[guarded_global]` / `Guarded<T>`: `read` and `write` block only while another
///   thread's closure holds the lock, which is as short as the closures are (closures
///   cannot `.await`); `try_write_for` bounds it.
/// - `#[invalidating_cache]`: a hit never blocks; a miss (first call, or a changed file)
///   loads on the caller's thread, with the file I/O and parse of the loader, while
///   other callers keep the old value.
///
/// # Thread scope
///
/// `#[singleton(scope = thread)]` makes one instance per thread, built on the thread's
/// first access and dropped when the thread exits: per-thread state without a global
/// lock, and the value need not be `Send` or `Sync` (`Cell`, `RefCell`, `Rc` are fine).
/// A per-thread value dies with its thread, so it is reached through a closure, never
/// as `&'static`: `name::with(|v| ..)` for the fn form, `Type::with_instance(|v| ..)`
/// for a struct. Compared with `thread_local!`: an initialiser that needs its own value
/// panics naming it, and access during the thread's teardown (from another
/// thread-local's destructor) is a [`ThreadScopeError`] naming the singleton, from
/// `name::try_with` / `Type::try_with_instance`.
///
/// ```
/// use singleton_runtime::singleton;
/// use std::cell::{Cell, RefCell};
///
/// #[singleton(scope = thread)]
/// fn scratch() -> RefCell<Vec<String>> {
///     RefCell::new(Vec::new())
/// }
///
/// #[singleton(scope = thread)]
/// #[derive(Default)]
/// struct RequestCounter {
///     served: Cell<u64>,
/// }
///
/// scratch::with(|s| s.borrow_mut().push("line".to_owned()));
/// RequestCounter::with_instance(|c| c.served.set(c.served.get() + 1));
/// assert_eq!(RequestCounter::try_with_instance(|c| c.served.get()), Ok(1));
/// std::thread::spawn(|| assert_eq!(scratch::with(|s| s.borrow().len()), 0))
///     .join()
///     .unwrap();
/// ```
///
/// The fast path (the value is built on this thread) is one thread-local load, whatever
/// the type: no state check, no destructor registration on access (those happen once
/// per thread, when the value is built). The value lives on the heap, one allocation
/// per thread.
///
/// **Visiting every thread's instance.** `name::for_each(|v| ..)` (struct form:
/// `Type::for_each_instance`) calls the closure with each live thread's instance
/// (built and not yet dropped), from the calling thread, so it needs a `Sync` value:
/// per-thread counters are atomics, written cheaply by their own thread (no contention)
/// and summed by a reader. A non-`Sync` value compiles everywhere else. An instance is
/// never dropped while the closure looks at it: a thread exiting (or resetting) meanwhile
/// waits until the closure is done with its instance, so the closure must not wait for
/// that thread (join it, say). Registration happens once per thread, when the value is
/// built, and costs the read path nothing.
///
/// ```
/// use singleton_runtime::singleton;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[singleton(scope = thread)]
/// fn bytes_sent() -> AtomicU64 {
///     AtomicU64::new(0)
/// }
///
/// let (counted, total) = (std::sync::Barrier::new(3), std::sync::Barrier::new(3));
/// std::thread::scope(|s| {
///     for n in 1..=2 {
///         let (counted, total) = (&counted, &total);
///         s.spawn(move || {
///             bytes_sent::with(|b| b.fetch_add(n * 100, Ordering::Relaxed));
///             counted.wait();
///             total.wait(); // keep the thread (and its instance) until summed
///         });
///     }
///     counted.wait();
///     let mut sum = 0;
///     bytes_sent::for_each(|b| sum += b.load(Ordering::Relaxed));
///     assert_eq!(sum, 300);
///     total.wait();
/// });
/// ```
///
/// **Testing.** With the runtime's `testing` feature the fn form's module also has
/// `override_with(value, || ..)`, `override_guard(value)` (a
/// [`ThreadOverrideGuard`](testing::ThreadOverrideGuard)) and `reset()`, the struct form
/// `override_instance`, `override_instance_guard` and `reset_instance`. They act on the
/// **calling thread's** instance only: each thread has its own instance anyway, and
/// tests run on threads of one process in parallel, so an override or reset in one
/// test is never seen by another. An override needs no initialiser run and no `Send`
/// value, and is not carried to other threads by
/// [`Overrides::capture`](testing::Overrides::capture) (a spawned thread builds its own
/// instance or installs its own override). `reset()` drops this thread's instance; the
/// next access on this thread builds it again. An active override costs an access
/// nothing (the fast path's pointer points at it); with the feature on, every access
/// counts a borrow around the closure, so that a reset inside a `with` closure of the
/// same singleton panics instead of freeing what the closure borrows.
///
/// Rejected at compile time with `scope = thread`: a type that borrows (it lives until
/// the thread exits), an `async fn` or async `init` (it is built inside a sync closure),
/// an `unsafe fn` (`name::with` is safe to call: the contract would be lost), and a
/// fallible initialiser (no caller to hand the error to); `scope` other than `thread` or
/// `process` (the default).
///
/// # Testing
///
/// With the runtime's `testing` feature (in `[dev-dependencies]`), the struct form also
/// gets `Type::override_instance(value, || ...)`, `Type::override_instance_guard(value)`
/// and `Type::reset_instance()` (named after `instance()`, so that the type's own
/// `reset` or `override_with` methods never clash), and the fn form a module beside the
/// fn with `override_with`, `override_guard` and `reset` (`name::override_with(..)`,
/// ...): per-thread overrides for isolated tests, and
/// resets that keep every `&'static` valid. Because of that module, the fn form goes
/// on a free fn (at module level or in a block), not on an associated fn. See
/// [`testing`].
///
/// # Guarantees
///
/// - The initialiser runs to success at most once, whatever the number of threads; the
///   other first callers wait for it and get the same `&'static`.
/// - An `Err` or a panic stores nothing: the next call runs the initialiser again.
/// - The fast path, once initialised, is one acquire load, as `OnceLock::get`.
///
/// # Panics
///
/// When an initialiser needs its own singleton, directly or through others, the call
/// panics at once with the chain, e.g. `singleton init cycle: alpha -> beta -> alpha`,
/// instead of deadlocking. A cycle across threads (one thread initialises `alpha` and
/// needs `beta`, another initialises `beta` and needs `alpha`) panics too, naming both.
///
/// ```should_panic
/// use singleton_runtime::singleton;
///
/// #[singleton]
/// fn alpha() -> u32 { *beta() + 1 }
///
/// #[singleton]
/// fn beta() -> u32 { *alpha() + 1 }
///
/// alpha(); // panics: singleton init cycle: alpha -> beta -> alpha
/// ```
///
/// # Rejected at compile time
///
/// A type that is not `Send + Sync` (for a struct, each such field is reported at its
/// type, with the fix); generics; parameters, also on an `init = path` fn (every call
/// after the first would silently ignore its arguments, async or not); `self`;
/// `const fn`; a struct with
/// neither `Default` nor `init`; `Clone` or `Copy` on a singleton struct (a copy is a
/// second instance); unions; `impl Trait`, a bare trait object or `Self` as the stored
/// type; unknown,
/// duplicated or malformed arguments.
///
/// ```compile_fail
/// use singleton_runtime::singleton;
/// use std::rc::Rc;
///
/// #[singleton] // error: `Rc<Vec<String>>` cannot be a singleton: it is not `Send + Sync`
/// fn names() -> Rc<Vec<String>> {
///     Rc::new(Vec::new())
/// }
/// ```
///
/// ```compile_fail
/// use singleton_runtime::singleton;
///
/// #[singleton] // error: a singleton must not derive `Clone`: a copy would be a second instance ...
/// #[derive(Default, Clone)]
/// struct Registry;
/// ```
///
/// The runtime types are [`Singleton`] and [`AsyncSingleton`]; the macro is sugar over
/// them.
///
/// Finding the globals to migrate in an existing codebase: `cargo singleton-audit`
/// (the `singleton-audit` workspace member) lists its statics and says where
/// `#[singleton]` fits, and why.
#[doc(inline)]
pub use singleton_macros::singleton;

/// Makes a fn's body run once per process; every later call returns an error naming
/// the fn and where the first call was.
///
/// - `fn f(args) -> T` becomes `fn f(args) -> Result<T, `[`AlreadyInitialized`]`>`.
/// - `fn f(args) -> Result<T, E>` (any path ending in `Result`: `io::Result<T>`,
///   `fmt::Result`) becomes `fn f(args) -> Result<T, `[`InitOnceError<E>`](InitOnceError)`>`:
///   one layer, `Failed(E)` or `AlreadyInitialized(..)`, so `?` propagates the body's
///   error. An `Err` is not the one run: the fn stays uninitialised and the next call
///   runs the body again.
///
/// The fn gains `#[track_caller]` (the recorded location is the caller's) and a
/// `#[must_use]` that says what to do with the result. Generic fns and associated fns
/// work; the body runs once across all of them.
///
/// ```
/// use singleton_runtime::{init_once, AlreadyInitialized};
///
/// #[init_once]
/// pub fn set_global_determinism(seed: u64, threads: usize) -> u64 {
///     seed ^ threads as u64
/// }
///
/// assert_eq!(set_global_determinism(42, 1), Ok(43));
/// let again: AlreadyInitialized = set_global_determinism(7, 8).unwrap_err();
/// assert_eq!(again.name(), "set_global_determinism");
/// assert_eq!(again.first_call().file(), file!());
/// ```
///
/// A fallible body, retried after an `Err`, and `?` on the flattened error:
///
/// ```
/// use singleton_runtime::{init_once, InitOnceError};
/// use std::io;
///
/// #[init_once]
/// fn setup_logging(path: &str) -> io::Result<usize> {
///     if path.is_empty() {
///         return Err(io::Error::new(io::ErrorKind::NotFound, "no log path"));
///     }
///     Ok(path.len()) // open the file, install the logger ...
/// }
///
/// // `?` into an `io::Result`: the body's own `io::Error`, kind and all.
/// fn start(path: &str) -> io::Result<usize> {
///     Ok(setup_logging(path)? * 2)
/// }
///
/// assert_eq!(start("").unwrap_err().kind(), io::ErrorKind::NotFound);
/// assert_eq!(start("/var/log/app").unwrap(), 24, "the Err was not the one run");
/// assert!(matches!(setup_logging("/x"), Err(InitOnceError::AlreadyInitialized(_))));
/// ```
///
/// `InitOnceError<E>` is an `Error` when `E` is (transparent: `Display` and `source()`
/// are the body error's), so `?` also goes into `Box<dyn Error + Send + Sync>`, and
/// into `io::Error` (it has a `From`); for `Box<dyn Error>` as `E` itself, or an error
/// type of yours with a `From<AlreadyInitialized>`, use
/// `.map_err(InitOnceError::into_error)?`.
///
/// # Concurrent calls wait
///
/// A call that arrives while the body runs on another thread waits for it, as with
/// `std::sync::Once`: when any call returns, the body has run (or failed, and then the
/// waiting call runs it itself). Waiting joins the crate's wait-for graph, so an
/// `#[init_once]` body that needs a singleton whose initialiser calls the same fn on
/// another thread panics with the cycle instead of hanging.
///
/// ```
/// use singleton_runtime::init_once;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// static SEED: AtomicU64 = AtomicU64::new(0);
///
/// #[init_once]
/// fn seed_everything(seed: u64) {
///     std::thread::sleep(std::time::Duration::from_millis(20));
///     SEED.store(seed, Ordering::SeqCst);
/// }
///
/// std::thread::scope(|s| {
///     for worker in 0..4 {
///         s.spawn(move || {
///             let _ = seed_everything(worker + 1); // one of them runs it ...
///             assert_ne!(SEED.load(Ordering::SeqCst), 0, "... and none goes on unseeded");
///         });
///     }
/// });
/// ```
///
/// A body that spawns a thread calling the same fn and joins it deadlocks, as with
/// `Once`: the join is invisible to the graph. After 10 s the waiting thread prints a
/// report naming the fn and the thread running it (see "Deadlocks we cannot see" on
/// [`Singleton`]). For code that must never wait, `#[init_once(concurrent = refuse)]`
/// makes a concurrent call return `Err` at once, with
/// [`in_progress()`](AlreadyInitialized::in_progress) true.
///
/// # Whether it ran, without calling it: `state = NAME`
///
/// `#[init_once(state = SETUP)]` also generates `const SETUP: `[`InitOnceState`] with
/// the fn's visibility: `SETUP.is_done()`, `SETUP.wait()` (blocks until a call has
/// succeeded: for workers that must not start before setup), `SETUP.first_call()`,
/// and `SETUP.reset()` for tests. A `const` because it works beside a free fn and,
/// as an associated const (`Engine::READY`), beside an associated fn, where no module
/// or `static` can go.
///
/// ```
/// use singleton_runtime::init_once;
///
/// struct Engine;
///
/// impl Engine {
///     #[init_once(state = READY)]
///     fn start(workers: usize) -> usize {
///         workers
///     }
/// }
///
/// std::thread::scope(|s| {
///     let worker = s.spawn(|| {
///         Engine::READY.wait(); // does not start before the engine
///         Engine::READY.is_done()
///     });
///     assert_eq!(Engine::start(4), Ok(4));
///     assert!(worker.join().unwrap());
/// });
/// ```
///
/// # Panics
///
/// A call from inside the body (recursion) panics at once instead of deadlocking; so
/// does a wait that would close a cycle (see above).
///
/// # Rejected at compile time
///
/// Anything but a fn; `async fn`; `const fn`; `self` receivers (it runs once per
/// process, not once per value); a non-Rust ABI; arguments other than `state = NAME`,
/// `concurrent = wait | refuse` and `reset = name`, or generated names that clash; `-> !`
/// (a body that never returns never completes its one run: return `()` and diverge
/// after the call); a return type named `Result` that is not `core::result::Result`.
///
/// # Testing
///
/// With the runtime's `testing` feature (see [`testing`]), `SETUP.reset()` makes the
/// next call run the body again; `#[init_once(reset = reset_setup)]` generates that
/// reset alone, as `fn reset_setup()` (same visibility, also beside an associated fn).
///
/// ```compile_fail
/// use singleton_runtime::init_once;
///
/// struct Engine;
///
/// impl Engine {
///     #[init_once] // error: an `#[init_once]` fn cannot take `self` ...
///     fn start(&self) {}
/// }
/// ```
///
/// The runtime type is [`InitOnce`].
///
/// Finding the globals to migrate in an existing codebase: `cargo singleton-audit`
/// (the `singleton-audit` workspace member) lists its statics and says where
/// `#[init_once]` fits, and why.
#[doc(inline)]
pub use singleton_macros::init_once;

/// Makes a `static` a lock-guarded global reachable only through closures.
///
/// `static NAME: T = expr;` becomes `static NAME: `[`GuardedGlobal<T>`]; `expr` is any
/// expression, evaluated once, on first access (an `&expr` that borrows a temporary, as
/// in `static EMPTY: &Vec<u8> = &Vec::new();`, is evaluated in a `const`, so that the
/// temporary is promoted to `'static` as in a plain `static`; its `expr` must then be
/// const). Access is only through closures, so a
/// guard can never escape, outlive the call, or be held across `.await`:
///
/// ```
/// use singleton_runtime::{guarded_global, LockTimeout};
/// use std::collections::HashMap;
/// use std::time::Duration;
///
/// #[guarded_global]
/// static FEATURES: HashMap<String, u32> = HashMap::new();
///
/// FEATURES.write(|m| m.insert("dark_mode".into(), 1));
/// let n = FEATURES.read(|m| m.len());
/// let copy = FEATURES.read(|m| m.get("dark_mode").copied()); // snapshot under the lock,
/// assert_eq!((n, copy), (1, Some(1)));                        // slow work outside it
/// FEATURES.try_write_for(Duration::from_millis(50), |m| m.clear())?;
/// # Ok::<(), LockTimeout>(())
/// ```
///
/// - A `read` nested in a `read` of the same global on the same thread works, also with
///   a writer queued in between.
/// - A `write` while this thread holds the global, or any access inside a `write`,
///   panics at once naming the global, instead of deadlocking.
/// - In debug builds (or with the `lock-order` feature), taking two globals in an order
///   that inverts one seen before panics naming both, before it can deadlock.
/// - A panic inside `write` poisons the global: later accesses panic with its name until
///   [`GuardedGlobal::recover`] or [`GuardedGlobal::clear_poison`].
///
/// With the `testing` feature, [`GuardedGlobal::override_with`] gives a test its own
/// value on its thread and [`GuardedGlobal::reset`] rebuilds the value (see [`testing`]).
///
/// For state inside a `#[singleton]` struct (a registry with methods), use a
/// [`Guarded<T>`](crate::Guarded) field: the same lock and guarantees, per field.
///
/// `#[guarded_global(name = "...")]` sets the name used in messages (default: the
/// static's name). Rejected at compile time: `static mut`, anything but a `static`, a
/// type that is not `Send + Sync`, unknown or malformed arguments; the closure signatures
/// reject references that try to leave a `read` or `write`:
///
/// ```compile_fail
/// use singleton_runtime::guarded_global;
///
/// #[guarded_global]
/// static mut COUNTER: u64 = 0; // error: remove `mut`: the guard provides mutation
/// ```
///
/// Finding the globals to migrate in an existing codebase: `cargo singleton-audit`
/// (the `singleton-audit` workspace member) lists its statics and says where
/// `#[guarded_global]` fits, and why.
#[doc(inline)]
pub use singleton_macros::guarded_global;

/// Makes a loader fn a process-wide cache of a file that reloads when the file changes.
///
/// On `fn name(path: &Path) -> Result<T, E>` (or `fn name(ctx: &mut LoadContext) ->
/// Result<T, E>` for a value read from several files, see [`LoadContext`]), with
/// `path = <expr>` (anything `AsRef<Path>`), optionally `check_interval = <Duration>`
/// (default 1 s; `Duration::ZERO` checks on every call) and `watch = true` (feature
/// `watch`: changes pushed by the OS), generates `name() -> Result<CacheRef<T>, Arc<E>>`
/// ([`CacheRef`] derefs to `T`; `.to_arc()` for an `Arc` to keep) and a module `name`
/// with `with(|value| ...)`, `get_with_generation()`, `subscribe()`, `invalidate()`,
/// `reload()`, `last_error()`, `generation()`, `last_loaded()` and `cache()` (the
/// [`InvalidatingCache`] itself); with the `testing` feature also `override_with`,
/// `override_guard` and `reset` (see [`testing`]). An `E` of
/// `Box<dyn Error + Send + Sync>` is stored as [`BoxedError`], an `Error`. The loader is
/// a free fn, at module level or in a fn body (where `T` and `E` may be types declared
/// in that body).
///
/// ```
/// use singleton_runtime::invalidating_cache;
/// use std::path::{Path, PathBuf};
/// use std::time::Duration;
///
/// fn settings_file() -> PathBuf {
///     std::env::temp_dir().join(format!("doc-settings-{}.txt", std::process::id()))
/// }
///
/// #[invalidating_cache(path = settings_file(), check_interval = Duration::ZERO)]
/// fn threads(path: &Path) -> Result<usize, String> {
///     let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
///     text.trim().parse().map_err(|e| format!("{e}"))
/// }
///
/// std::fs::write(settings_file(), "4").unwrap();
/// assert_eq!(*threads().unwrap(), 4);
/// std::fs::write(settings_file(), "not a number").unwrap();
/// assert_eq!(*threads().unwrap(), 4); // a failed reload keeps the last good value
/// assert!(threads::last_error().is_some());
/// # std::fs::remove_file(settings_file()).unwrap();
/// ```
///
/// Change detection compares a fingerprint (device, inode, size, mtime ns, ctime ns) of
/// the file the loader read, following symlinks; one caller reloads at a time while the
/// others keep the previous value; a hit costs a clock read, an atomic load and an
/// `arc-swap` `load` (no reference count, no `stat`). Rejected at compile time: a missing `path`, unknown options, a loader without
/// exactly one `&Path` (or `&mut LoadContext`) parameter, a return type that is not `Result`, generics, `async`,
/// `self` receivers.
///
/// ```compile_fail
/// use singleton_runtime::invalidating_cache;
///
/// #[invalidating_cache] // error: `path = ...` is required
/// fn config(path: &std::path::Path) -> Result<String, std::io::Error> {
///     std::fs::read_to_string(path)
/// }
/// # fn main() {}
/// ```
///
/// Finding the globals to migrate in an existing codebase: `cargo singleton-audit`
/// (the `singleton-audit` workspace member) lists its statics and says where
/// `#[invalidating_cache]` fits, and why.
#[doc(inline)]
pub use singleton_macros::invalidating_cache;

/// What generated code names, through `::singleton_runtime::__private::...`. Not
/// public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::async_singleton::private::*;
    pub use crate::cache::private::*;
    pub use crate::guarded::private::*;
    pub use crate::init_once::private::*;
    pub use crate::singleton::private::*;
    pub use crate::testing::{Feature, FeatureEnabled, OverrideGuard};
    pub use crate::thread_scope::private::*;
}
