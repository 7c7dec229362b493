//! [`Singleton<T>`]: a value created once, on first use, from any number of threads.
//!
//! The fast path (already initialised) is one acquire load and a null check: what
//! `OnceLock::get` costs. Everything else — waiting for another thread's initialiser,
//! retrying after an `Err` or a panic, detecting init cycles on one thread or across
//! threads — lives on the cold slow path, in the crate's one build-once claim
//! (`crate::once`) and wait-for graph (`crate::waits`).
//!
//! The value lives in its own allocation, reached through `current`, so that a reset
//! (`testing`) can swap in a new generation while references to the old one stay valid:
//! replaced generations are kept in `retired` until the `Singleton` itself is dropped,
//! which for a `static` is never.

use std::fmt;
use std::marker::PhantomData;

use crate::once::blocking;
use crate::sync::{AtomicPtr, Ordering, loom_const_fn};
use crate::waits::{Kind, Resource};

mod field_check;
#[cfg(not(singleton_loom))]
pub(crate) use field_check::unreported;
mod init_arity;
mod testing;
mod value_check;

/// A lazily created, process-wide value: the runtime type behind `#[singleton]`.
///
/// Usually declared as a `static` and reached through [`get_or_init`](Self::get_or_init)
/// (or [`get_or_try_init`](Self::get_or_try_init) for a fallible initialiser):
///
/// - The initialiser runs to success **at most once**, whatever the number of threads;
///   the other first callers wait for it and get the same `&T`.
/// - An initialiser that returns `Err` or panics stores nothing: the next call runs an
///   initialiser again.
/// - An initialiser that needs the value it is initialising — directly, or through
///   other singletons, on one thread or across threads — panics with the chain
///   (`singleton init cycle: alpha -> beta -> alpha`) instead of deadlocking.
///
/// - Waiting for another thread's initialiser joins the crate's one wait-for graph,
///   with the waits of `#[init_once]` fns, guarded globals and caches: a cycle through
///   any of them (an initialiser writing a guarded global whose holder waits for this
///   singleton, say) panics in the thread that would close it, naming every value and
///   thread on it (`wait cycle across threads: G -> s -> G (...)`).
///
/// # Deadlocks we cannot see
///
/// The graph sees only this crate's primitives. An initialiser that waits for another
/// thread some other way — `join`s a thread that needs this same singleton, waits on a
/// channel that thread should fill, takes a `std` or `parking_lot` lock that thread
/// holds — deadlocks, as it would with `std::sync::OnceLock`: the other thread waits
/// in the graph, but nothing says that the initialiser waits for it.
///
/// Panicking there would be a guess: an initialiser that loads a model for a minute
/// looks the same from outside. So the crate reports instead of guessing: a thread
/// that has waited for a value longer than a threshold (10 s; set
/// `SINGLETON_RUNTIME_WAIT_WARN_MS` to another number of milliseconds, or to `off`)
/// prints one report to stderr, naming the value, the waiting thread, how long it
/// waited, and the thread building the value, following that thread's own waits to
/// the one that is working or blocked outside the crate:
///
/// ```text
/// singleton-runtime: thread 'config-helper' (ThreadId(3)) has waited 10.0 s for `config`
/// (singleton), held by thread 'main' (ThreadId(1)), which is not waiting for any
/// singleton, #[init_once] fn, guarded global or invalidating cache: it is still
/// working, or blocked on something this crate cannot see. If it waits for this thread
/// (a `join`, a channel, a lock of another kind), this is a deadlock: ...
/// ```
///
/// and goes on waiting: a slow initialiser finishes and nothing else happens; a
/// deadlock is explained instead of silent. The same holds for callers waiting on an
/// `#[invalidating_cache]` load. A guarded global's waits report cycles but no slow
/// waits (a long `write` is the holder's business, and `try_write_for` bounds a wait),
/// and waits with a timeout (`try_read_for`, `try_write_for`) stay out of the graph:
/// they end by themselves.
///
/// # Examples
///
/// ```
/// use singleton_runtime::Singleton;
///
/// static GREETING: Singleton<String> = Singleton::new("GREETING");
///
/// let first: &'static String = GREETING.get_or_init(|| "hello".to_owned());
/// let again = GREETING.get_or_init(|| unreachable!("already initialised"));
/// assert!(std::ptr::eq(first, again));
/// ```
///
/// A failed initialiser is retried on the next call:
///
/// ```
/// use singleton_runtime::Singleton;
///
/// static PORT: Singleton<u16> = Singleton::new("PORT");
///
/// assert!(PORT.get_or_try_init(|| "not a port".parse::<u16>()).is_err());
/// assert_eq!(PORT.get(), None);
/// assert_eq!(PORT.get_or_try_init(|| "8080".parse::<u16>()), Ok(&8080));
/// ```
pub struct Singleton<T> {
    name: &'static str,
    /// The current generation: null until an initialiser succeeds (and after a reset).
    /// Stored (release) once the node is fully written; a node is never written again.
    current: AtomicPtr<Node<T>>,
    /// Generations replaced by a reset, and override values, linked through
    /// [`Node::next`]: kept alive as long as the `Singleton`, so that every `&T` it
    /// handed out stays valid. Only pushed to while shared; walked by `drop`.
    retired: AtomicPtr<Node<T>>,
    /// Owns `T`s (for drop check).
    _owns: PhantomData<T>,
}

/// One generation of the value.
struct Node<T> {
    value: T,
    /// The next node in [`Singleton::retired`]; written once, by the thread that
    /// retires this node, and read only by `drop`.
    next: *mut Node<T>,
}

// SAFETY: `&Singleton<T>` hands out `&T` to any thread, so it needs `T: Sync`, and the
// value is created on one thread and may be dropped on another, so `T: Send` (as for
// `OnceLock`). Both hold: the constructors, `new` and the `field_check` ones (which
// check it field by field before calling `unbounded`), require `T: Send + Sync`. The
// bound sits on the constructor rather than here so that a `static` of a non-`Send`
// type fails once, at `new`, with the message of `#[singleton]`'s own check, instead of
// again at the `static` with rustc's generic "shared static" error.
unsafe impl<T> Sync for Singleton<T> {}
// SAFETY: moving the `Singleton` moves the `T` it owns.
unsafe impl<T: Send> Send for Singleton<T> {}

impl<T: Send + Sync> Singleton<T> {
    loom_const_fn! {
    /// An empty singleton; `name` appears in cycle reports and `Debug`. A singleton is
    /// shared by every thread, so `T` must be `Send + Sync`.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Singleton;
    ///
    /// static CONFIG: Singleton<Vec<String>> = Singleton::new("CONFIG");
    /// assert_eq!(CONFIG.name(), "CONFIG");
    /// ```
        #[must_use]
        pub fn new(name: &'static str) -> Self {
            Self::unbounded(name)
        }
    }
}

impl<T> Singleton<T> {
    loom_const_fn! {
    /// [`new`](Self::new) without its bound, for the constructors that check
    /// `T: Send + Sync` otherwise (`field_check`): the `Sync` impl relies on every
    /// caller having done so.
        pub(crate) fn unbounded(name: &'static str) -> Self {
            Self {
                name,
                current: AtomicPtr::new(std::ptr::null_mut()),
                retired: AtomicPtr::new(std::ptr::null_mut()),
                _owns: PhantomData,
            }
        }
    }

    /// The name given to [`new`](Self::new).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The value, if an initialiser has completed.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Singleton;
    ///
    /// static N: Singleton<u32> = Singleton::new("N");
    /// assert_eq!(N.get(), None);
    /// N.get_or_init(|| 7);
    /// assert_eq!(N.get(), Some(&7));
    /// ```
    #[inline]
    pub fn get(&self) -> Option<&T> {
        #[cfg(any(test, feature = "testing"))]
        if crate::overrides::active()
            && let Some(value) = self.overridden()
        {
            return Some(value);
        }
        self.current()
    }

    /// The current generation's value, overrides aside.
    #[inline]
    pub(crate) fn current(&self) -> Option<&T> {
        let node = self.current.load(Ordering::Acquire);
        if node.is_null() {
            return None;
        }
        // SAFETY: a non-null `current` points to a node whose `value` was written before
        // it was stored (release; our load is acquire), is never written again, and is
        // freed only by `drop`, which needs `&mut self`: it outlives this borrow. Only
        // `value` is borrowed, never the node: `next` may be written meanwhile (`retire`).
        Some(unsafe { &(*node).value })
    }

    /// The value, running `init` first if no initialiser has completed yet.
    ///
    /// # Panics
    ///
    /// If `init` panics, the panic propagates and nothing is stored. If `init` needs
    /// this same singleton, directly or through others, or if threads initialising
    /// singletons wait on each other in a cycle, panics with the chain of names.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Singleton;
    /// use std::collections::HashMap;
    ///
    /// static REGISTRY: Singleton<HashMap<&str, u32>> = Singleton::new("REGISTRY");
    ///
    /// let r = REGISTRY.get_or_init(|| HashMap::from([("a", 1)]));
    /// assert_eq!(r["a"], 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.get() {
            return value;
        }
        match self.init_slow(|| Ok::<T, std::convert::Infallible>(init())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The value, running the fallible `init` first if no initialiser has completed
    /// yet. An `Err` is returned to this caller and nothing is stored.
    ///
    /// # Errors
    ///
    /// Whatever `init` returns; a later call runs an initialiser again.
    ///
    /// # Panics
    ///
    /// As [`get_or_init`](Self::get_or_init).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::Singleton;
    ///
    /// static LIMIT: Singleton<u64> = Singleton::new("LIMIT");
    ///
    /// let limit = LIMIT.get_or_try_init(|| "100".parse::<u64>())?;
    /// assert_eq!(*limit, 100);
    /// # Ok::<(), std::num::ParseIntError>(())
    /// ```
    #[inline]
    #[track_caller]
    pub fn get_or_try_init<E>(&self, init: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        self.init_slow(init)
    }

    /// The slow path: claim the right to initialise, or wait for the thread that has it.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn init_slow<E>(&self, init: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
        let key = std::ptr::from_ref(self).addr();
        let resource = Resource::named(key, Kind::Singleton, self.name);
        let claim = loop {
            match blocking::claim(&resource, || {
                !self.current.load(Ordering::Acquire).is_null()
            }) {
                None => {
                    // A reset may have emptied it again since `claim` looked: go again.
                    if let Some(value) = self.current() {
                        return Ok(value);
                    }
                }
                Some(claim) => break claim,
            }
        };
        // Only the claim holder runs past this point for this singleton, until the
        // claim is released (dropped, also on panic) or the value is published.
        let value = init()?;
        let node = Box::into_raw(Box::new(Node {
            value,
            next: std::ptr::null_mut(),
        }));
        self.current.store(node, Ordering::Release);
        drop(claim);
        // SAFETY: `node` was allocated above and is freed only by `drop` (`&mut self`).
        Ok(unsafe { &(*node).value })
    }

    /// Publishes `value` as the current generation, for a front-end that has decided by
    /// itself (under a lock of its own) that this caller builds it: the async one.
    pub(crate) fn publish(&self, value: T) -> &T {
        let node = Box::into_raw(Box::new(Node {
            value,
            next: std::ptr::null_mut(),
        }));
        let old = self.current.swap(node, Ordering::AcqRel);
        if !old.is_null() {
            self.retire(old);
        }
        // SAFETY: `node` was allocated above and is freed only by `drop` (`&mut self`).
        unsafe { &(*node).value }
    }

    /// Empties the current generation (kept alive, see `retire`), for a front-end that
    /// keeps initialisers out by itself (the async one's reset).
    pub(crate) fn clear(&self) {
        let old = self.current.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !old.is_null() {
            self.retire(old);
        }
    }

    /// Keeps `node` (unlinked from `current`, or never linked) alive as long as
    /// `self`. `node` must be a pointer from `Box::into_raw`, retired once.
    fn retire(&self, node: *mut Node<T>) {
        let next = self.retired.swap(node, Ordering::AcqRel);
        // SAFETY: `node` is live (freed only by `drop`), and its `next` is written by
        // this thread alone (each node is retired once) and read only by `drop`, after
        // every `&self` borrow, so this write happens-before that read. Readers of
        // `value` are not disturbed: `next` is a separate field, written through a raw
        // pointer.
        unsafe { (&raw mut (*node).next).write(next) };
    }
}

impl<T> Drop for Singleton<T> {
    fn drop(&mut self) {
        let mut nodes = vec![self.current.load(Ordering::Acquire)];
        let mut retired = self.retired.load(Ordering::Acquire);
        while !retired.is_null() {
            nodes.push(retired);
            // SAFETY: every node in the list is live and its `next` was written before
            // this `&mut self` (see `retire`).
            retired = unsafe { (*retired).next };
        }
        for node in nodes.into_iter().filter(|n| !n.is_null()) {
            // SAFETY: from `Box::into_raw`, in `current` or `retired` exactly once, and
            // no borrow of `self` (so of a value) outlives this `&mut self`.
            drop(unsafe { Box::from_raw(node) });
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Singleton<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_cell(f, "Singleton", self.name, self.get())
    }
}

/// `Type { name: .., value: .. }` (`<uninit>` for none), for the cell types' `Debug`.
pub(crate) fn debug_cell(
    f: &mut fmt::Formatter<'_>,
    ty: &str,
    name: &str,
    value: Option<&impl fmt::Debug>,
) -> fmt::Result {
    let mut d = f.debug_struct(ty);
    d.field("name", &name);
    match value {
        Some(value) => d.field("value", value),
        None => d.field("value", &format_args!("<uninit>")),
    };
    d.finish_non_exhaustive()
}

/// What `#[singleton]` expands to names these.
pub(crate) mod private {
    pub use super::Singleton;
    pub use super::field_check::*;
    pub use super::init_arity::*;
    pub use super::value_check::*;

    /// The probes' traits, unnamed: the expansion brings them into scope for method
    /// resolution with `use __private::probes::*`, a glob that is used whenever one of
    /// them is (an unused named import would need an `allow`, which a user's
    /// `forbid(unused_imports)` rejects).
    pub mod probes {
        pub use super::super::field_check::{
            FieldIsThreadSafe as _, KnownNotThreadSafe as _, OtherNotThreadSafe as _,
            StructIsThreadSafe as _,
        };
        pub use super::super::value_check::{
            ValueIsNotSend as _, ValueIsNotSync as _, ValueIsThreadSafe as _,
        };
        pub use crate::async_singleton::private::{
            FutureIsNotSend as _, FutureIsSend as _, NotAFuture as _,
        };
    }

    /// Builds a singleton struct with `Default`, with a message naming the fix when the
    /// struct has neither `Default` nor `init = ...`.
    #[diagnostic::on_unimplemented(
        message = "`#[singleton]` cannot build `{Self}`: it does not implement `Default`",
        label = "this singleton needs `Default` or an `init` function",
        note = "derive or implement `Default` for `{Self}`, or name a constructor: `#[singleton(init = path::to::fn)]` with `fn() -> {Self}`"
    )]
    pub trait SingletonDefault: Sized {
        /// Used by the expansion only.
        fn singleton_default() -> Self;
    }

    impl<T: Default> SingletonDefault for T {
        #[inline]
        fn singleton_default() -> Self {
            T::default()
        }
    }

    /// `T: Send + Sync`, with a message that says why a singleton needs it.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a singleton: it is not `Send + Sync`",
        label = "shared by every thread, so it must be `Send + Sync`",
        note = "replace `Rc` with `Arc`, `Cell`/`RefCell` with atomics or `Mutex`, raw pointers with owned or `Arc` data; or keep per-thread state in `thread_local!`"
    )]
    pub trait SingletonSafe: Send + Sync {}

    impl<T: Send + Sync> SingletonSafe for T {}

    /// Ambiguous exactly when `T: Clone`: naming `<T as SingletonMustNotImplementClone<_>>`
    /// then fails with "multiple impls satisfying ...", which names the rule. Catches
    /// what the macro cannot see: a manual `impl Clone`, or a `#[derive(Clone)]` written
    /// above `#[singleton]`.
    pub trait SingletonMustNotImplementClone<Marker> {
        /// Named by the expansion, never called.
        fn check() {}
    }

    impl<T> SingletonMustNotImplementClone<()> for T {}

    /// The second impl that makes the check ambiguous for `Clone` types.
    pub struct IsClone;

    impl<T: Clone> SingletonMustNotImplementClone<IsClone> for T {}

    /// Where a fn-form singleton's cell is: implemented, at the fn's level, for a
    /// marker in the module generated beside the fn, so that the module's test tools
    /// name the value type without re-resolving the user's tokens.
    pub trait FnSingleton {
        /// The stored type.
        type Value: 'static;
        /// The `static` cell.
        fn cell() -> &'static Singleton<Self::Value>;
    }

    /// Calls `init = ...` (a path or a closure) without writing `(init)()`, which lints
    /// as `clippy::redundant_closure_call` in the user's crate.
    #[inline]
    pub fn call_init<R>(init: impl FnOnce() -> R) -> R {
        init()
    }

    /// Checks that an `init = path` function returns the singleton type itself.
    #[diagnostic::on_unimplemented(
        message = "`init` must return `{T}`, but this returns `{Self}`",
        label = "expected a `fn() -> {T}`",
        note = "for a fallible initialiser returning `Result<{T}, E>`, add `error = E`: `#[singleton(init = path, error = E)]`"
    )]
    pub trait InitReturns<T> {
        /// Used by the expansion only.
        fn into_value(self) -> T;
    }

    impl<T> InitReturns<T> for T {
        #[inline]
        fn into_value(self) -> T {
            self
        }
    }

    /// Checks that an `init = path, error = E` function returns `Result<T, E>`.
    #[diagnostic::on_unimplemented(
        message = "with `error = {E}`, `init` must return `Result<{T}, {E}>`, but this returns `{Self}`",
        label = "expected a `fn() -> Result<{T}, {E}>`"
    )]
    pub trait InitTryReturns<T, E> {
        /// Used by the expansion only.
        ///
        /// # Errors
        ///
        /// The initialiser's own error.
        fn into_result(self) -> Result<T, E>;
    }

    impl<T, E> InitTryReturns<T, E> for Result<T, E> {
        #[inline]
        fn into_result(self) -> Result<T, E> {
            self
        }
    }
}

#[cfg(all(test, singleton_loom))]
mod loom_tests;

/// Unit tests of the cell itself (also run under Miri by `.ci/run`, which checks the
/// `unsafe` publication and drop paths).
#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::Singleton;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn threads_share_one_value_and_drop_frees_it() {
        crate::test_support::within_timeout(|| {
            let cell = Singleton::new("local");
            let runs = AtomicUsize::new(0);
            let seen: Vec<usize> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|i| {
                        let (cell, runs) = (&cell, &runs);
                        s.spawn(move || {
                            let v = cell.get_or_init(|| {
                                runs.fetch_add(1, Ordering::SeqCst);
                                format!("from thread {i}")
                            });
                            std::ptr::from_ref(v) as usize
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(runs.load(Ordering::SeqCst), 1);
            assert!(seen.iter().all(|a| *a == seen[0]));
            assert!(cell.get().unwrap().starts_with("from thread "));
            drop(cell); // frees the String: Miri reports a leak or double free here
        });
    }

    #[test]
    fn an_empty_singleton_drops_nothing() {
        let cell: Singleton<String> = Singleton::new("empty");
        assert_eq!(cell.get_or_try_init(|| Err::<String, u8>(1)), Err(1));
        assert!(cell.get().is_none());
        assert_eq!(
            format!("{cell:?}"),
            r#"Singleton { name: "empty", value: <uninit>, .. }"#
        );
    }
}
