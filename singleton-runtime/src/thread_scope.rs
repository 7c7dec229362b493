//! Thread-scoped singletons (`#[singleton(scope = thread)]`): one instance per thread,
//! built on the thread's first access, dropped when the thread exits.
//!
//! The storage is a `thread_local!` holding a [`ThreadSlot`]: `std` registers the
//! destructor and tells (through `LocalKey::try_with`) when the slot is being or has
//! been destroyed. The slot adds what `thread_local!` leaves undefined or generic:
//! an initialiser that needs its own value panics naming it (`thread_local!` "may cause
//! panics, aborts or infinite recursion"), and access during or after teardown is a
//! [`ThreadScopeError`] naming the singleton (not the generic `AccessError`).
//!
//! A per-thread value dies with its thread, so it is never handed out as `&'static`:
//! access is through a closure, which cannot keep the reference.

use std::cell::{Cell, UnsafeCell};
use std::fmt;
use std::thread::LocalKey;

/// Where a slot's value is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Empty,
    /// The initialiser is running on this thread (so, reentrant if asked again).
    Building,
    Ready,
}

/// One thread's instance of a thread-scoped singleton: what the `thread_local!` of
/// `#[singleton(scope = thread)]` holds. Not for direct use.
#[doc(hidden)]
pub struct ThreadSlot<T> {
    name: &'static str,
    state: Cell<State>,
    /// Written once, while `state` is `Building` (no reference to it exists then); read
    /// only while `Ready`. Dropped with the slot, at thread exit.
    value: UnsafeCell<Option<T>>,
}

impl<T> ThreadSlot<T> {
    /// An empty slot for the singleton `name`.
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            state: Cell::new(State::Empty),
            value: UnsafeCell::new(None),
        }
    }

    /// The value, built by `init` on first use.
    #[inline]
    fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        // SAFETY: the value is written only by `init` (below) while `Building`, when no
        // reference to it exists, and never again; the slot is this thread's own (`!Sync`
        // through the `Cell`), and it is dropped only at thread exit, which cannot
        // happen during this borrow (confined to the closure of `ThreadScoped::with`).
        if let Some(value) = unsafe { &*self.value.get() } {
            return value;
        }
        self.init(init);
        // SAFETY: as above; `init` has written it.
        match unsafe { &*self.value.get() } {
            Some(value) => value,
            None => unreachable!("`init` returns only after writing the value"),
        }
    }

    #[cold]
    #[inline(never)]
    fn init(&self, init: impl FnOnce() -> T) {
        /// Back to `Empty` if `init` panics: the next access tries again.
        struct Reset<'a>(&'a Cell<State>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(State::Empty);
            }
        }
        assert!(
            self.state.get() != State::Building,
            "thread-scoped singleton init cycle: the initialiser of `{0}` needs `{0}` on the \
             same thread (directly or through others); break the cycle so that it does not \
             need the value it is creating",
            self.name
        );
        self.state.set(State::Building);
        let reset = Reset(&self.state);
        let value = init();
        std::mem::forget(reset);
        // SAFETY: `Building` on this thread: nothing borrows the value (there is none
        // yet, and a reentrant access panicked above instead of borrowing).
        unsafe { *self.value.get() = Some(value) };
        self.state.set(State::Ready);
    }
}

/// Access to a thread-scoped singleton during or after its thread's teardown (from the
/// destructor of another thread-local, say): its value is being or has been dropped.
///
/// # Examples
///
/// ```
/// use singleton_runtime::ThreadScopeError;
///
/// let error = ThreadScopeError::Destroyed { name: "counter" };
/// assert!(error.to_string().starts_with("`counter` (a thread-scoped singleton)"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ThreadScopeError {
    /// The thread is exiting and the value of `name` is being or has been dropped.
    Destroyed {
        /// The singleton.
        name: &'static str,
    },
}

impl fmt::Display for ThreadScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadScopeError::Destroyed { name } => write!(
                f,
                "`{name}` (a thread-scoped singleton) was accessed during or after the \
                 teardown of its thread, when its value is being or has been dropped; reach \
                 it before the thread exits, or not from another thread-local's destructor"
            ),
        }
    }
}

impl std::error::Error for ThreadScopeError {}

/// A thread-scoped singleton: its `thread_local!` slot and its initialiser. Generated
/// by `#[singleton(scope = thread)]`; not for direct use.
#[doc(hidden)]
pub struct ThreadScoped<T: 'static> {
    pub name: &'static str,
    pub slot: &'static LocalKey<ThreadSlot<T>>,
    pub init: fn() -> T,
}

impl<T: 'static> ThreadScoped<T> {
    /// Runs `f` with this thread's instance, building it first if needed.
    ///
    /// # Panics
    ///
    /// During or after the thread's teardown (see [`try_with`](Self::try_with)), and if
    /// the initialiser needs its own value.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(r) => r,
            Err(error) => fail(error),
        }
    }

    /// [`with`](Self::with), or the error if the thread is being torn down.
    ///
    /// # Errors
    ///
    /// [`ThreadScopeError::Destroyed`] during or after the thread's teardown.
    #[inline]
    pub fn try_with<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, ThreadScopeError> {
        let init = self.init;
        self.slot
            .try_with(|slot| f(slot.get_or_init(init)))
            .map_err(|_| ThreadScopeError::Destroyed { name: self.name })
    }
}

#[cold]
#[inline(never)]
fn fail(error: ThreadScopeError) -> ! {
    panic!("{error}")
}

/// What `#[singleton(scope = thread)]` expands to name.
pub(crate) mod private {
    pub use super::{ThreadScoped, ThreadSlot};

    /// A fn-form thread-scoped singleton, implemented (at the fn's level) for the marker
    /// in the module generated beside it, so that the module names the value type
    /// without re-resolving the user's tokens.
    pub trait FnThreadSingleton {
        /// The per-thread value.
        type Value: 'static;
        /// The singleton.
        fn scoped() -> &'static ThreadScoped<Self::Value>;
    }
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::{ThreadScopeError, ThreadScoped, ThreadSlot};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static BUILT: AtomicUsize = AtomicUsize::new(0);

    std::thread_local! {
        static COUNTER_SLOT: ThreadSlot<Cell<u32>> = const { ThreadSlot::new("counter") };
    }

    static COUNTER: ThreadScoped<Cell<u32>> = ThreadScoped {
        name: "counter",
        slot: &COUNTER_SLOT,
        init: || {
            BUILT.fetch_add(1, Ordering::SeqCst);
            Cell::new(0)
        },
    };

    #[test]
    fn one_instance_per_thread_built_on_first_access() {
        crate::test_support::within_timeout(|| {
            let before = BUILT.load(Ordering::SeqCst);
            let totals: Vec<u32> = (0..3)
                .map(|n| {
                    std::thread::spawn(move || {
                        for _ in 0..=n {
                            COUNTER.with(|c| c.set(c.get() + 1));
                        }
                        COUNTER.with(Cell::get)
                    })
                })
                .map(|h| h.join().unwrap())
                .collect();
            assert_eq!(totals, [1, 2, 3]);
            assert_eq!(BUILT.load(Ordering::SeqCst) - before, 3);
        });
    }

    std::thread_local! {
        static SELFISH_SLOT: ThreadSlot<u8> = const { ThreadSlot::new("selfish") };
    }

    static SELFISH: ThreadScoped<u8> = ThreadScoped {
        name: "selfish",
        slot: &SELFISH_SLOT,
        init: || SELFISH.with(|v| *v + 1),
    };

    #[test]
    fn an_initialiser_needing_itself_panics_naming_it() {
        let message = std::thread::spawn(|| SELFISH.with(|v| *v))
            .join()
            .unwrap_err()
            .downcast::<String>()
            .unwrap();
        assert!(
            message.starts_with("thread-scoped singleton init cycle: the initialiser of `selfish`"),
            "{message}"
        );
    }

    /// Tells, from its own drop at thread exit, what reaching its singleton gives.
    struct Noisy(std::sync::mpsc::Sender<Result<(), ThreadScopeError>>);

    impl Drop for Noisy {
        fn drop(&mut self) {
            let _ = self.0.send(NOISY.try_with(|_| ()));
        }
    }

    // singleton-audit: allow(test instrumentation: hands the channel to the initialiser)
    static TELL: std::sync::Mutex<Option<std::sync::mpsc::Sender<Result<(), ThreadScopeError>>>> =
        std::sync::Mutex::new(None);

    std::thread_local! {
        static NOISY_SLOT: ThreadSlot<Noisy> = const { ThreadSlot::new("noisy") };
    }

    static NOISY: ThreadScoped<Noisy> = ThreadScoped {
        name: "noisy",
        slot: &NOISY_SLOT,
        init: || Noisy(TELL.lock().unwrap().take().unwrap()),
    };

    #[test]
    fn the_value_is_dropped_at_thread_exit_and_access_then_is_a_named_error() {
        let (send, receive) = std::sync::mpsc::channel();
        *TELL.lock().unwrap() = Some(send);
        std::thread::spawn(|| NOISY.with(|_| ())).join().unwrap();
        let seen = receive
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("dropped at thread exit");
        assert_eq!(seen, Err(ThreadScopeError::Destroyed { name: "noisy" }));
    }
}
