//! The guarded value itself: a lock, the value, its name, its lock-order id and who
//! poisoned it. One implementation behind both front-ends: a [`Guarded`](crate::Guarded)
//! field is a `Core<T, Counted>`, and a [`GuardedGlobal`](crate::GuardedGlobal) builds a
//! `Core<T, Biased>` on first access. The reader strategy (`raw::Readers`) is the only
//! difference between the two.
//!
//! Every access goes through [`Core::shared`] or [`Core::exclusive`]; the value helpers
//! (`replace`, `update`, `take`, `snapshot`, `recover`) are written once here on top of
//! them.

use std::fmt;

use super::access::Access;
use super::error::{LockTimeout, Name};
use super::held::Mode;
use super::order::OrderId;
use super::raw::{Deadline, RawLock, Readers, TimedOut};
use crate::sync::{Mutex, UnsafeCell};

pub(crate) struct Core<T, R> {
    pub(super) lock: RawLock<R>,
    pub(super) value: UnsafeCell<T>,
    pub(super) name: Name,
    pub(super) order: OrderId,
    /// The thread whose `write` poisoned the value, for the message.
    pub(super) poisoned_by: Mutex<Option<String>>,
}

// SAFETY: the lock hands out `&T` to many threads at once (needs `T: Sync`) and `&mut T`
// or ownership of `T` to one thread at a time, possibly not the one that built it
// (needs `T: Send`); `RawLock` makes `&mut T` exclusive of every other access.
unsafe impl<T: Send + Sync, R: Send + Sync> Sync for Core<T, R> {}
// SAFETY: moving the core moves the `T` it owns; the lock has no thread affinity.
unsafe impl<T: Send, R: Send> Send for Core<T, R> {}

impl<T, R: Readers> Core<T, R> {
    pub(crate) fn new(name: Name, value: T, order: OrderId) -> Self {
        Self {
            lock: RawLock::new(),
            value: UnsafeCell::new(value),
            name,
            order,
            poisoned_by: Mutex::new(None),
        }
    }

    /// Shared access until `deadline`: the one path behind every read.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn shared<X>(
        &self,
        deadline: Option<Deadline>,
        f: impl FnOnce(&T) -> X,
    ) -> Result<X, TimedOut> {
        let frame = self.frame(Mode::Read);
        let access = self.acquire_read(&frame, deadline)?;
        // SAFETY: `access` holds a read lock (or this thread's outer read does): no
        // `&mut T` exists.
        let result = self.value.with(|value| f(unsafe { &*value }));
        access.release();
        Ok(result)
    }

    /// Exclusive access until `deadline`, ignoring poison if `recovering`: the one
    /// path behind every write.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn exclusive<X>(
        &self,
        deadline: Option<Deadline>,
        recovering: bool,
        f: impl FnOnce(&mut T) -> X,
    ) -> Result<X, TimedOut> {
        let frame = self.frame(Mode::Write);
        let access = self.acquire_write(&frame, deadline, recovering)?;
        // SAFETY: `access` holds the write lock: no other reference to the value exists.
        let result = self.value.with_mut(|value| f(unsafe { &mut *value }));
        access.release(recovering);
        Ok(result)
    }

    #[inline]
    #[track_caller]
    pub(crate) fn read<X>(&self, f: impl FnOnce(&T) -> X) -> X {
        let Ok(result) = self.shared(None, f) else {
            unreachable!("an access without deadline cannot time out")
        };
        result
    }

    #[inline]
    #[track_caller]
    pub(crate) fn write<X>(&self, f: impl FnOnce(&mut T) -> X) -> X {
        let Ok(result) = self.exclusive(None, false, f) else {
            unreachable!("an access without deadline cannot time out")
        };
        result
    }

    #[track_caller]
    pub(crate) fn recover<X>(&self, f: impl FnOnce(&mut T) -> X) -> X {
        let Ok(result) = self.exclusive(None, true, f) else {
            unreachable!("an access without deadline cannot time out")
        };
        result
    }

    #[track_caller]
    pub(crate) fn try_read_for<X>(
        &self,
        timeout: std::time::Duration,
        f: impl FnOnce(&T) -> X,
    ) -> Result<X, LockTimeout> {
        self.shared(Deadline::after(timeout), f)
            .map_err(|TimedOut| self.timeout(timeout, false))
    }

    #[track_caller]
    pub(crate) fn try_write_for<X>(
        &self,
        timeout: std::time::Duration,
        f: impl FnOnce(&mut T) -> X,
    ) -> Result<X, LockTimeout> {
        self.exclusive(Deadline::after(timeout), false, f)
            .map_err(|TimedOut| self.timeout(timeout, true))
    }

    fn timeout(&self, timeout: std::time::Duration, write: bool) -> LockTimeout {
        LockTimeout {
            name: self.name,
            timeout,
            write,
        }
    }

    #[track_caller]
    pub(crate) fn replace(&self, value: T) -> T {
        self.write(|current| std::mem::replace(current, value))
    }

    #[track_caller]
    pub(crate) fn replace_with(&self, f: impl FnOnce(&T) -> T) -> T {
        self.write(|current| {
            let next = f(current);
            std::mem::replace(current, next)
        })
    }

    #[track_caller]
    pub(crate) fn take(&self) -> T
    where
        T: Default,
    {
        self.write(std::mem::take)
    }

    #[track_caller]
    pub(crate) fn snapshot(&self) -> T
    where
        T: Clone,
    {
        self.read(T::clone)
    }

    pub(crate) fn is_poisoned(&self) -> bool {
        self.lock.is_poisoned()
    }

    /// `Debug` in the style of `Mutex`'s: the value if a read can be had without
    /// waiting (and without touching this thread's held values), else why not.
    pub(crate) fn debug(&self, kind: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        T: fmt::Debug,
    {
        let mut d = f.debug_struct(kind);
        d.field("name", &self.name.text);
        let status = self.lock.status();
        if status.poisoned {
            d.field("poisoned", &true);
        }
        match self.try_peek(|value| {
            d.field("value", value);
        }) {
            Peek::Read => {}
            Peek::Locked => {
                d.field("value", &format_args!("<locked>"));
            }
            Peek::HeldHere => {
                d.field("value", &format_args!("<held by this thread in a write>"));
            }
        }
        d.finish_non_exhaustive()
    }
}

/// What [`Core::try_peek`] managed.
pub(crate) enum Peek {
    /// The closure ran.
    Read,
    /// A writer holds the value, or it is poisoned (a read would wait or panic).
    Locked,
    /// This thread holds it in a `write` (a read would panic).
    HeldHere,
}

impl<T, R: Readers> Core<T, R> {
    /// Runs `f` on the value if that can be done now without waiting, panicking or
    /// being counted as an access (for `Debug`).
    pub(crate) fn try_peek(&self, f: impl FnOnce(&T)) -> Peek {
        let frame = self.frame(Mode::Read);
        match self.try_acquire_read_now(&frame) {
            Access::Got(access) => {
                // SAFETY: `access` holds a read lock (or this thread's outer read does).
                self.value.with(|value| f(unsafe { &*value }));
                access.release();
                Peek::Read
            }
            Access::Busy => Peek::Locked,
            Access::HeldHere => Peek::HeldHere,
        }
    }
}
