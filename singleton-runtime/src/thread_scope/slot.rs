//! The two thread-locals behind one thread-scoped singleton: the [`FastCell`] the fast
//! path reads, and the [`ThreadSlot`] that owns the value and tears it down.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use super::ThreadScoped;

/// A thread-scoped singleton's fast-path thread-local: a pointer to this thread's value
/// (or to this thread's innermost override), null until the value is built.
///
/// `const`-initialised and without drop glue, so `std` keeps no state for it and
/// registers no destructor: reaching it is a TLS address, reading it one load. Not for
/// direct use.
#[doc(hidden)]
pub struct FastCell<T> {
    value: Cell<*const T>,
    /// `with` closures of this singleton running on this thread: a reset or the end of
    /// an override must not free what one of them borrows. Only with overrides and
    /// resets compiled in; without them nothing frees a value before thread exit.
    #[cfg(any(test, feature = "testing"))]
    borrows: Cell<usize>,
}

impl<T> FastCell<T> {
    /// An empty cell (the value is built on first access).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            value: Cell::new(std::ptr::null()),
            #[cfg(any(test, feature = "testing"))]
            borrows: Cell::new(0),
        }
    }

    /// The pointer the fast path follows (null: take the cold path).
    #[inline]
    pub(super) fn get(&self) -> *const T {
        self.value.get()
    }

    pub(super) fn set(&self, value: *const T) {
        self.value.set(value);
    }

    /// Counts a borrow until the returned guard drops (nothing without `testing`).
    #[inline]
    pub(super) fn borrow(&self) -> Borrow<'_> {
        #[cfg(any(test, feature = "testing"))]
        {
            self.borrows.set(self.borrows.get() + 1);
            Borrow(&self.borrows)
        }
        #[cfg(not(any(test, feature = "testing")))]
        Borrow(std::marker::PhantomData)
    }

    /// Whether a `with` closure of this singleton runs on this thread.
    pub(super) fn borrowed(&self) -> bool {
        #[cfg(any(test, feature = "testing"))]
        return self.borrows.get() != 0;
        #[cfg(not(any(test, feature = "testing")))]
        false
    }
}

impl<T> Default for FastCell<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// One `with` borrow, counted while it lives (see [`FastCell::borrow`]).
#[cfg(any(test, feature = "testing"))]
pub(super) struct Borrow<'a>(&'a Cell<usize>);

#[cfg(any(test, feature = "testing"))]
impl Drop for Borrow<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

#[cfg(not(any(test, feature = "testing")))]
pub(super) struct Borrow<'a>(std::marker::PhantomData<&'a ()>);

/// Where a slot's value is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Empty,
    /// The initialiser is running on this thread (so, reentrant if asked again).
    Building,
    Ready,
}

/// One thread's instance of a thread-scoped singleton, with what its teardown needs:
/// what the second `thread_local!` of `#[singleton(scope = thread)]` holds. Not for
/// direct use.
#[doc(hidden)]
pub struct ThreadSlot<T: 'static> {
    state: Cell<State>,
    /// The value, on the heap: `std` drops the slot through a `&mut`, which must not
    /// cover memory a visitor on another thread may still read while the drop waits
    /// for it (see `visit`). Set once built, taken by a reset that no borrow can see
    /// (see [`FastCell::borrowed`]); otherwise read through the fast cell's pointer.
    /// Dropped with the slot, at thread exit.
    value: RefCell<Option<Owned<T>>>,
    /// Set as soon as the fast cell may point into this slot (a build, an override):
    /// the singleton whose fast cell and registry the teardown clears.
    owner: Cell<Option<&'static ThreadScoped<T>>>,
    /// This thread's entry in the owner's registry of instances, while `Ready`.
    registered: Cell<Option<u64>>,
    /// This thread's overrides, innermost last, and the ended ones a borrow may still
    /// see (`testing` feature; see `testing.rs`).
    pub(super) overrides: RefCell<Vec<(u64, Owned<T>)>>,
    pub(super) retired: RefCell<Vec<Owned<T>>>,
    pub(super) next_override: Cell<u64>,
}

impl<T: 'static> ThreadSlot<T> {
    /// An empty slot.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            state: Cell::new(State::Empty),
            value: RefCell::new(None),
            owner: Cell::new(None),
            registered: Cell::new(None),
            overrides: RefCell::new(Vec::new()),
            retired: RefCell::new(Vec::new()),
            next_override: Cell::new(0),
        }
    }

    /// This thread's value of `scoped`, built if needed; points the fast cell at what
    /// accesses should see (the value, or the innermost override).
    pub(super) fn resolve(&self, scoped: &'static ThreadScoped<T>) -> *const T {
        self.owner.set(Some(scoped));
        if let Some(top) = self.innermost_override() {
            scoped.fast.with(|fast| fast.set(top));
            return top;
        }
        match self.state.get() {
            State::Ready => {}
            State::Building => panic!(
                "thread-scoped singleton init cycle: the initialiser of `{0}` needs `{0}` on \
                 the same thread (directly or through others); break the cycle so that it \
                 does not need the value it is creating",
                scoped.name
            ),
            State::Empty => self.build(scoped),
        }
        // The value, unless the initialiser installed an override (which then wins).
        self.repoint(scoped);
        scoped.fast.with(FastCell::get)
    }

    /// The value's address (`Ready` only).
    fn value_ptr(&self) -> *const T {
        match &*self.value.borrow() {
            Some(value) => value.as_ptr(),
            None => unreachable!("a `Ready` slot holds its value"),
        }
    }

    fn build(&self, scoped: &'static ThreadScoped<T>) {
        /// Back to `Empty` if `init` panics: the next access tries again.
        struct Reset<'a>(&'a Cell<State>);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(State::Empty);
            }
        }
        self.state.set(State::Building);
        let reset = Reset(&self.state);
        let value = (scoped.init)();
        std::mem::forget(reset);
        *self.value.borrow_mut() = Some(Owned::new(value));
        self.state.set(State::Ready);
        // Keyed by this slot (a thread-local, alive until the entry is withdrawn in its
        // `drop`), not by the value's address, which zero-sized values share.
        let id = scoped
            .registry
            .register(self.value_ptr(), std::ptr::from_ref(self).addr());
        self.registered.set(Some(id));
    }

    /// Drops this thread's value (a reset): the next access builds it again. Panics if
    /// a `with` closure of this singleton runs on this thread (it borrows the value).
    pub(super) fn clear(&self, scoped: &'static ThreadScoped<T>) {
        assert!(
            !scoped.fast.with(FastCell::borrowed),
            "`{0}::reset` was called inside a `with` closure of `{0}` on the same thread, \
             which borrows the instance the reset would drop; reset after the closure returns",
            scoped.name
        );
        if self.state.get() != State::Ready {
            return;
        }
        self.withdraw(scoped);
        self.state.set(State::Empty);
        let top = self.innermost_override().unwrap_or(std::ptr::null());
        scoped.fast.with(|fast| fast.set(top));
        // No borrow of it is live (checked above), and nothing points to it any more
        // (the fast cell and the registry were cleared).
        let old = self.value.borrow_mut().take();
        drop(old); // may reach the singleton again: it is `Empty`, so it builds anew
    }

    /// Leaves the registry of instances, waiting for a visitor looking at the value.
    fn withdraw(&self, scoped: &'static ThreadScoped<T>) {
        if let Some(id) = self.registered.get() {
            // Forgotten only once withdrawn: if `unregister` panics, the entry and the
            // value stay (a later teardown withdraws it before dropping the value).
            scoped.registry.unregister(id, scoped.name);
            self.registered.set(None);
        }
    }

    /// The innermost override's address, if this thread has one.
    pub(super) fn innermost_override(&self) -> Option<*const T> {
        self.overrides
            .borrow()
            .last()
            .map(|(_, value)| value.as_ptr())
    }

    /// Points the fast cell at what accesses should now see (after an override came or
    /// went): the innermost override, else the value if built, else null.
    pub(super) fn repoint(&self, scoped: &'static ThreadScoped<T>) {
        self.owner.set(Some(scoped));
        let target = match self.innermost_override() {
            Some(top) => top,
            None if self.state.get() == State::Ready => self.value_ptr(),
            None => std::ptr::null(),
        };
        scoped.fast.with(|fast| fast.set(target));
    }
}

impl<T: 'static> Default for ThreadSlot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: 'static> Drop for ThreadSlot<T> {
    /// At thread exit: the fast path stops finding the value (it takes the cold path,
    /// where `std` reports this slot destroyed: a `ThreadScopeError`), visitors are
    /// waited for, then the fields (the value, the overrides) drop.
    fn drop(&mut self) {
        if let Some(scoped) = self.owner.get() {
            // A `const` thread-local without drop glue is never destroyed: `with` works.
            let _ = scoped.fast.try_with(|fast| fast.set(std::ptr::null()));
            self.withdraw(scoped);
        }
    }
}

/// A value (an instance or an override) on the heap, owned by its slot, reached through
/// a raw pointer: a `Box` would assert uniqueness each time it is moved (in and out of
/// the slot's fields), while a `with` closure or a visitor may hold a shared reference
/// to the value.
pub(super) struct Owned<T>(NonNull<T>);

impl<T> Owned<T> {
    pub(super) fn new(value: T) -> Self {
        Self(NonNull::from(Box::leak(Box::new(value))))
    }

    pub(super) fn as_ptr(&self) -> *const T {
        self.0.as_ptr()
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: from `Box::leak` in `new`, and dropped once (here); the slot drops an
        // `Owned` only when nothing can borrow the value: no `with` closure on this
        // thread (`clear`, `end_override`), no visitor (`withdraw` came first).
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}
