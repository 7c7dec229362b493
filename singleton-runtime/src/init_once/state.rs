//! [`InitOnceState`]: what `#[init_once(state = NAME)]` generates beside the fn, so that
//! code which must not call the fn can still ask whether it has run, or wait for it.
//!
//! The fn may be a free fn or an associated fn, and the macro cannot tell which: a
//! `static` (or a module) cannot sit beside an associated fn, and the fn cannot name a
//! sibling item without knowing whether to write `Self::`. So the two meet in a
//! registry, under an id made of the same tokens at the same place: the fn and its
//! `const` both reach the one [`InitOnce`] stored there, created by whichever comes first.

use std::fmt;
use std::panic::Location;

use super::InitOnce;
use crate::sync::Mutex;

/// The guards of `#[init_once(state = ..)]` and `#[init_once(reset = ..)]` fns, by id.
/// Each is leaked: it lives as long as the fn it belongs to, the process.
// singleton-audit: allow(the runtime's own registry of #[init_once] guards shared by a fn and its state const: #[guarded_global] is built on this crate)
static REGISTRY: Mutex<Vec<(&'static str, &'static InitOnce)>> = Mutex::new(Vec::new());

/// The guard registered under `id`, created (named `name`) if it is not there yet.
pub fn by_id(id: &'static str, name: &'static str) -> &'static InitOnce {
    let mut registry = REGISTRY.lock();
    if let Some(&(_, once)) = registry.iter().find(|(known, _)| *known == id) {
        return once;
    }
    let once: &'static InitOnce = Box::leak(Box::new(InitOnce::new(name)));
    registry.push((id, once));
    once
}

/// The `const` `#[init_once(state = ..)]` generates.
pub const fn state(id: &'static str, name: &'static str) -> InitOnceState {
    InitOnceState { id, name }
}

/// The state of an `#[init_once]` fn, for code that must not call it: whether it has
/// run, where, and a way to wait until it has. `#[init_once(state = SETUP)]` generates
/// `const SETUP: InitOnceState` beside the fn (an associated const beside an associated
/// fn: `Engine::SETUP`), with the fn's visibility.
///
/// It offers no way to run a body: only the fn does that.
///
/// # Examples
///
/// ```
/// use singleton_runtime::init_once;
///
/// #[init_once(state = SEEDING)]
/// fn seed_everything(seed: u64) {
///     let _ = seed;
/// }
///
/// std::thread::scope(|s| {
///     let worker = s.spawn(|| {
///         SEEDING.wait(); // starts only once seeding has run
///         SEEDING.is_done()
///     });
///     seed_everything(42).unwrap();
///     assert!(worker.join().unwrap());
/// });
/// assert_eq!(SEEDING.first_call().unwrap().file(), file!());
/// ```
#[derive(Clone, Copy)]
pub struct InitOnceState {
    id: &'static str,
    name: &'static str,
}

impl InitOnceState {
    fn once(self) -> &'static InitOnce {
        by_id(self.id, self.name)
    }

    /// The fn's name, as errors show it.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::init_once;
    ///
    /// #[init_once(state = SETUP)]
    /// fn setup() {}
    ///
    /// assert_eq!(SETUP.name(), "setup");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Whether a call of the fn has succeeded (a body that returned `Err` or panicked
    /// does not count).
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::init_once;
    ///
    /// #[init_once(state = SETUP)]
    /// fn setup() {}
    ///
    /// assert!(!SETUP.is_done());
    /// setup().unwrap();
    /// assert!(SETUP.is_done());
    /// ```
    #[must_use]
    pub fn is_done(self) -> bool {
        self.once().is_done()
    }

    /// Where the call that ran the body was made, once one has succeeded.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::init_once;
    ///
    /// #[init_once(state = SETUP)]
    /// fn setup() {}
    ///
    /// assert!(SETUP.first_call().is_none());
    /// let line = line!() + 1;
    /// setup().unwrap();
    /// assert_eq!(SETUP.first_call().unwrap().line(), line);
    /// ```
    #[must_use]
    pub fn first_call(self) -> Option<&'static Location<'static>> {
        self.once().first_call()
    }

    /// Blocks until a call of the fn has succeeded, without calling it: for workers
    /// that must not start before setup. Returns at once if it has; waits across a
    /// body that fails or panics, for the next call that succeeds. The wait is in the
    /// crate's wait-for graph: if the running body waits for this thread, this panics
    /// with the cycle instead of deadlocking.
    ///
    /// # Panics
    ///
    /// If waiting would close a cycle.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::init_once;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    ///
    /// static SEED: AtomicU64 = AtomicU64::new(0);
    ///
    /// #[init_once(state = SEEDED)]
    /// fn seed(value: u64) {
    ///     SEED.store(value, Ordering::Release);
    /// }
    ///
    /// std::thread::scope(|s| {
    ///     let worker = s.spawn(|| {
    ///         SEEDED.wait();
    ///         SEED.load(Ordering::Acquire)
    ///     });
    ///     seed(42).unwrap();
    ///     assert_eq!(worker.join().unwrap(), 42, "the worker never saw an unseeded RNG");
    /// });
    /// ```
    #[track_caller]
    pub fn wait(self) {
        self.once().wait();
    }

    /// Makes the next call of the fn run its body again, on every thread (the
    /// runtime's `testing` feature; see [`crate::testing`]). A body running on another
    /// thread is waited for first.
    ///
    /// # Panics
    ///
    /// If called from inside the fn's body.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::init_once;
    ///
    /// #[init_once(state = SETUP)]
    /// fn setup(level: u8) -> u8 {
    ///     level
    /// }
    ///
    /// assert_eq!(setup(1), Ok(1));
    /// SETUP.reset();
    /// assert_eq!(setup(2), Ok(2), "ran again");
    /// ```
    #[allow(
        clippy::extra_unused_lifetimes,
        reason = "the bound is the feature check"
    )]
    #[track_caller]
    pub fn reset(self)
    where
        for<'a> crate::testing::Feature: crate::testing::FeatureEnabled,
    {
        self.once().reset();
    }
}

impl fmt::Debug for InitOnceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InitOnceState")
            .field("name", &self.name)
            .field("is_done", &self.is_done())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::by_id;

    /// One id, one guard, whoever asks first; another id, another guard.
    #[test]
    fn one_guard_per_id() {
        let a = by_id("state::tests::a", "a");
        assert!(std::ptr::eq(a, by_id("state::tests::a", "a")));
        assert!(!std::ptr::eq(a, by_id("state::tests::b", "b")));
        assert_eq!(a.name(), "a");
    }
}
