//! Per-thread override stacks: the mechanism behind every primitive's `override_with`
//! and `override_guard` (public face: [`crate::testing`]).
//!
//! The model is tracing's dispatcher (`NUM_SCOPED`): one process-wide count of active
//! overrides, [`ACTIVE`], read with one relaxed load on each fast path. While it is 0
//! (no override anywhere in the process) nothing else happens. Otherwise the accessing
//! thread looks for an entry for the global in its own stack, innermost first.
//!
//! Why a relaxed load is enough: a thread only ever sees its own entries, and it
//! installs them itself (also when carried in by [`Overrides::enter`]), so its own
//! increment of `ACTIVE` precedes its lookups in program order. Another thread's count
//! only decides whether this thread takes a look that then finds nothing.
//!
//! Entries are keyed by the address of a `'static` global and its kind. Installing
//! takes `&'static self`, so the global at that address is never freed nor replaced:
//! every entry under one key was installed by the same global, with the same value
//! type. That is what makes [`find`]'s cast sound.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Overrides installed and not yet dropped, on all threads together.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// Which primitive a key belongs to: a global can contain another one at its own address
/// (a struct's first field), so the address alone is not a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Singleton,
    Guarded,
    Cache,
}

/// A global, by kind and address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key {
    kind: Kind,
    addr: usize,
}

impl Key {
    /// The key of `global`. Installing under it needs `global: &'static` (see the
    /// module docs); looking up does not: a global that is not `'static` never
    /// installed anything, and no `'static` one shares its address.
    pub(crate) fn of<G>(kind: Kind, global: &G) -> Self {
        Self {
            kind,
            addr: std::ptr::from_ref(global).addr(),
        }
    }
}

/// One override: what a lookup hands back, and what keeps it alive.
#[derive(Clone)]
#[cfg_attr(
    not(any(test, feature = "testing")),
    allow(dead_code, reason = "without the feature nothing looks overrides up")
)]
struct Entry {
    key: Key,
    /// The guard that installed it (on this thread): drop order is checked by it.
    guard: u64,
    /// The override value (an `O` in [`find`]'s terms); valid while `keep` lives (or,
    /// with `keep` empty, as long as its global: the installer guarantees it).
    value: *const (),
    keep: Option<Arc<dyn Send + Sync>>,
}

thread_local! {
    static STACK: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    static NEXT_GUARD: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Whether any thread has an override installed: the one load on the fast paths.
#[cfg(any(test, feature = "testing"))]
#[inline]
pub(crate) fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed) != 0
}

/// An override found for a key: derefs to the value, and keeps it alive while held.
#[cfg(any(test, feature = "testing"))]
pub(crate) struct Found<O> {
    value: *const O,
    _keep: Option<Arc<dyn Send + Sync>>,
}

#[cfg(any(test, feature = "testing"))]
impl<O> Found<O> {
    /// The value, without borrowing it: for a value parts of which may be written by
    /// other threads meanwhile (a singleton's node, whose `next` link a reset sets).
    pub(crate) fn as_ptr(&self) -> *const O {
        self.value
    }
}

#[cfg(any(test, feature = "testing"))]
impl<O> std::ops::Deref for Found<O> {
    type Target = O;

    fn deref(&self) -> &O {
        // SAFETY: `find`'s caller vouched that entries under this key hold an `O`, and
        // `_keep` (or the installer's guarantee, when empty) keeps it alive while `self`
        // lives.
        unsafe { &*self.value }
    }
}

/// This thread's innermost override of `key`.
///
/// # Safety
///
/// Every entry installed under `key` must have been installed by [`install`] with
/// an `O` (see the module docs: the key's global decides the type).
#[cfg(any(test, feature = "testing"))]
#[cold]
#[inline(never)]
pub(crate) unsafe fn find<O>(key: Key) -> Option<Found<O>> {
    STACK
        .try_with(|stack| {
            let stack = stack.borrow();
            let entry = stack.iter().rev().find(|e| e.key == key)?;
            Some(Found {
                value: entry.value.cast::<O>(),
                _keep: entry.keep.clone(),
            })
        })
        .ok()
        .flatten()
}

/// Installs `value` as this thread's innermost override of `key`; `keep` keeps it alive
/// (or `None` when `value` lives as long as the process, see [`Entry::value`]).
pub(crate) fn install<O>(
    key: Key,
    value: *const O,
    keep: Option<Arc<dyn Send + Sync>>,
) -> OverrideGuard {
    install_all(vec![Entry {
        key,
        guard: 0,
        value: value.cast::<()>(),
        keep,
    }])
}

/// Pushes `entries` (their `guard` is set here) and returns the guard that pops them.
fn install_all(mut entries: Vec<Entry>) -> OverrideGuard {
    let guard = NEXT_GUARD.with(|next| {
        let id = next.get();
        next.set(id + 1);
        id
    });
    let count = entries.len();
    ACTIVE.fetch_add(count, Ordering::Relaxed);
    for entry in &mut entries {
        entry.guard = guard;
    }
    STACK.with(|stack| stack.borrow_mut().append(&mut entries));
    OverrideGuard {
        id: guard,
        count,
        _not_send: PhantomData,
    }
}

/// Restores what an override replaced when dropped: the override ends, and this thread
/// sees again what it saw before (an outer override, or the global itself).
///
/// Returned by `override_guard` on every primitive and by [`Overrides::enter`]. It is
/// `!Send`: an override belongs to the thread that installed it. Guards must be dropped
/// in the reverse order of their creation (as a `let` binding in a block does on its
/// own); dropping an outer guard while an inner one is alive panics, naming the rule.
///
/// # Examples
///
/// ```
/// use singleton_runtime::singleton;
///
/// #[singleton]
/// fn region() -> String {
///     "eu-west-1".to_owned()
/// }
///
/// {
///     let _guard = region::override_guard("test-region".to_owned());
///     assert_eq!(region(), "test-region");
/// }
/// assert_eq!(region(), "eu-west-1");
/// ```
#[must_use = "the override ends when the guard is dropped: bind it with `let _guard = ...`"]
pub struct OverrideGuard {
    id: u64,
    count: usize,
    _not_send: PhantomData<*const ()>,
}

impl std::fmt::Debug for OverrideGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverrideGuard")
            .field("overrides", &self.count)
            .finish_non_exhaustive()
    }
}

impl Drop for OverrideGuard {
    fn drop(&mut self) {
        let id = self.id;
        // Entries leave the stack here and are dropped after the borrow ends: dropping
        // a value runs user code, which may look at overrides.
        let (removed, in_order) = STACK
            .try_with(|stack| {
                let mut stack = stack.borrow_mut();
                let start = stack.len().saturating_sub(self.count);
                if stack[start..].iter().all(|e| e.guard == id) {
                    (stack.split_off(start), true)
                } else {
                    let (mine, others): (Vec<Entry>, Vec<Entry>) =
                        stack.drain(..).partition(|e| e.guard == id);
                    *stack = others;
                    (mine, false)
                }
            })
            .unwrap_or((Vec::new(), true));
        ACTIVE.fetch_sub(self.count, Ordering::Relaxed);
        drop(removed);
        assert!(
            in_order || std::thread::panicking(),
            "an override guard was dropped while an override installed after it was still \
             active; guards restore in reverse order of creation: drop the inner guard first \
             (keep each in a `let` binding of its own block, or use \
             `override_with(value, || ...)`, which nests by construction)"
        );
    }
}

/// The overrides active on one thread, captured to be carried into another thread.
///
/// Threads do not inherit overrides: a thread a test spawns sees the real globals
/// unless the test hands its overrides over explicitly. [`capture`](Self::capture) on
/// the test's thread, then [`scope`](Self::scope) or [`enter`](Self::enter) on the new
/// one. The captured overrides are the same values, not copies: a `write` to an
/// overridden guarded global on either thread is seen by both.
///
/// # Examples
///
/// ```
/// use singleton_runtime::{singleton, testing::Overrides};
///
/// #[singleton]
/// fn workers() -> usize {
///     8
/// }
///
/// workers::override_with(2, || {
///     let overrides = Overrides::capture();
///     std::thread::scope(|s| {
///         s.spawn(|| assert_eq!(*workers(), 8)); // not inherited
///         s.spawn(|| overrides.scope(|| assert_eq!(*workers(), 2))); // carried over
///     });
/// });
/// ```
#[derive(Clone)]
pub struct Overrides {
    /// Their `guard` fields are stale: `enter` sets its own.
    entries: Vec<Entry>,
}

// SAFETY: an entry is a key, a pointer to a value that is `Send + Sync` (a singleton's
// value, or the contents of a `Shared`, see there), and an `Arc<dyn Send + Sync>`
// keeping it alive; nothing in it is tied to the thread that captured it.
unsafe impl Send for Overrides {}
// SAFETY: as for `Send`; `&Overrides` only reads the entries.
unsafe impl Sync for Overrides {}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("overrides", &self.entries.len())
            .finish()
    }
}

impl Overrides {
    /// The overrides active on this thread now, innermost last.
    ///
    /// # Examples
    ///
    /// See [`Overrides`].
    #[must_use]
    pub fn capture() -> Self
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        let entries = STACK
            .try_with(|stack| stack.borrow().clone())
            .unwrap_or_default();
        Self { entries }
    }

    /// Whether nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Installs the captured overrides on this thread until the guard is dropped, on
    /// top of any this thread has.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::{guarded_global, testing::Overrides};
    ///
    /// #[guarded_global]
    /// static LIMIT: u32 = 10;
    ///
    /// let _guard = LIMIT.override_guard(3);
    /// let overrides = Overrides::capture();
    /// std::thread::spawn(move || {
    ///     let _inherited = overrides.enter();
    ///     assert_eq!(LIMIT.read(|l| *l), 3);
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    pub fn enter(&self) -> OverrideGuard
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        install_all(self.entries.clone())
    }

    /// Runs `f` with the captured overrides installed on this thread; they end when `f`
    /// returns or panics.
    ///
    /// # Examples
    ///
    /// See [`Overrides`].
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        let _guard = self.enter();
        f()
    }
}

/// A global's override value, which may be handed to other threads.
///
/// Its type carries no `Send + Sync` bound: the primitives' override methods do not
/// repeat it, so that a value type that cannot be shared is reported once, at the
/// global's constructor (with its own message), not again at every generated override.
pub(crate) struct Shared<X>(pub(crate) X);

// SAFETY: a `Shared` is built only by the override methods of `Singleton`,
// `GuardedGlobal` and `InvalidatingCache`, around their own value type (or a lock or
// `Arc` of it), and each of those globals can only be constructed for `Send + Sync`
// value types (their `new` functions require it).
unsafe impl<X> Send for Shared<X> {}
// SAFETY: as for `Send`.
unsafe impl<X> Sync for Shared<X> {}

/// `f` with `guard` installed, restored when `f` returns or panics: what every
/// `override_with` is.
pub(crate) fn with<R>(guard: OverrideGuard, f: impl FnOnce() -> R) -> R {
    let _guard = guard;
    f()
}

#[cfg(all(test, not(singleton_loom)))]
mod tests;
