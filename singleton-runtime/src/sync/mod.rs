//! The one place that chooses between `std` and `loom` synchronisation primitives.
//!
//! Every custom synchronisation state machine in this crate takes its atomics, locks
//! and cells from here, so that `RUSTFLAGS="--cfg singleton_loom" cargo test --release
//! -p singleton-runtime --lib loom` model-checks the same code that ships.
//!
//! The switch is `cfg(singleton_loom)`, a cfg named for this crate, not the plain
//! `cfg(loom)` that other crates' loom tests set: a user who runs *their* loom models
//! with `--cfg loom` must still get this crate's `const` constructors, or every macro
//! use in their crate stops compiling (tokio gates its own facade the same way).
//!
//! - `std.rs` / `loom.rs`: the two halves (atomics, thread ids, the raw lock types, the
//!   cell);
//! - here: what the rest of the crate uses: a poison-free [`Mutex`] and [`Condvar`],
//!   [`thread_label`], and `loom_const_fn!`, the one way to
//!   write a constructor that is `const` except under loom.

#[cfg_attr(not(singleton_loom), path = "std.rs")]
#[cfg_attr(singleton_loom, path = "loom.rs")]
mod imp;

pub(crate) use imp::{
    AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering, Thread, ThreadId, UnsafeCell,
    current_thread, current_thread_id, fence,
};

/// Writes a constructor once: `const fn` in normal builds, a plain `fn` under
/// `cfg(singleton_loom)`, whose primitives cannot be built in a `const` context.
///
/// ```text
/// loom_const_fn! {
///     /// Docs, attributes and generics are kept as written.
///     pub(crate) fn new() -> Self { Self { n: AtomicUsize::new(0) } }
/// }
/// ```
macro_rules! loom_const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        $(#[$attr])*
        #[cfg(not(singleton_loom))]
        $vis const fn $($rest)*

        $(#[$attr])*
        #[cfg(singleton_loom)]
        $vis fn $($rest)*
    };
}

/// `[$make; $n]` for a `$make` that is `const` except under loom (an array repeat
/// needs a `const` block, which loom's constructors cannot be in).
macro_rules! loom_const_array {
    ($make:expr; $n:expr) => {{
        #[cfg(not(singleton_loom))]
        let array = [const { $make }; $n];
        #[cfg(singleton_loom)]
        let array = ::std::array::from_fn(|_| $make);
        array
    }};
}

pub(crate) use {loom_const_array, loom_const_fn};

/// A mutex whose [`lock`](Self::lock) ignores poison.
///
/// Why ignoring poison is right for every lock of this crate, stated once: no user
/// code ever runs while one of these is held, and every critical section leaves the
/// state it protects consistent before anything in it can panic (a panic there can
/// only come from an allocation failure or a bug of ours that `debug_assert!`s catch).
/// A poisoned internal lock would otherwise turn one user panic into a cascade of
/// unrelated "PoisonError" panics in every later access.
#[derive(Debug)]
pub(crate) struct Mutex<T>(imp::Mutex<T>);

/// The guard of a [`Mutex`].
pub(crate) type MutexGuard<'a, T> = imp::MutexGuard<'a, T>;

impl<T> Mutex<T> {
    loom_const_fn! {
        pub(crate) fn new(value: T) -> Self {
            Self(imp::Mutex::new(value))
        }
    }

    /// Locks, ignoring poison (see the type's docs).
    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A condition variable for [`Mutex`], ignoring poison like it.
#[derive(Debug)]
pub(crate) struct Condvar(imp::Condvar);

impl Condvar {
    loom_const_fn! {
        pub(crate) fn new() -> Self {
            Self(imp::Condvar::new())
        }
    }

    /// Releases `guard`, sleeps until notified (or spuriously), and locks again.
    pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// [`wait`](Self::wait) for at most `timeout`. Under loom this waits for a
    /// notification (loom does not model time).
    pub(crate) fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: std::time::Duration,
    ) -> MutexGuard<'a, T> {
        match self.0.wait_timeout(guard, timeout) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        }
    }

    /// Wakes one waiter.
    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }

    /// Wakes every waiter.
    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// How every message of this crate names a thread: `'name' (ThreadId(3))`, or the id
/// alone for an unnamed thread.
pub(crate) fn label(thread: &Thread) -> String {
    let id = thread.id();
    match imp::thread_name(thread) {
        Some(name) => format!("'{name}' ({id:?})"),
        None => format!("{id:?}"),
    }
}

/// [`label`] of the current thread.
pub(crate) fn thread_label() -> String {
    label(&current_thread())
}
