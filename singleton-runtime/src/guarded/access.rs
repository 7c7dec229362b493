//! Taking and releasing a guarded value: the fast paths that `read` and `write`
//! inline, the slow paths (waiting, poison), and the access guards, which never leave
//! this crate: every public method takes one, runs the user's closure, and drops it,
//! also when the closure panics.

use super::core::Core;
use super::error;
use super::held::{self, Entered, Frame, Linked, Mode};
use super::raw::{Deadline, ReadRefused, ReadToken, Reader, Readers, TimedOut};

impl<T, R: Readers> Core<T, R> {
    /// Identifies this value among the ones a thread holds: the address of its lock,
    /// not of the value, because a guarded value stored inside another one's value can
    /// start at the same address as the outer one, but its lock never lies where the
    /// outer lock does (the inner lock is inside the outer `value`, a separate field).
    #[inline]
    pub(super) fn key(&self) -> usize {
        std::ptr::from_ref(&self.lock).addr()
    }

    #[inline]
    pub(super) fn frame(&self, mode: Mode) -> Frame {
        Frame::new(self.key(), self.name, mode, &self.order)
    }

    /// The fast path, inlined into `read`: link the frame, try the lock once.
    #[inline(always)]
    #[track_caller]
    pub(super) fn acquire_read<'a>(
        &'a self,
        frame: &'a Frame,
        deadline: Option<Deadline>,
    ) -> Result<ReadAccess<'a, T, R>, TimedOut> {
        // SAFETY: `frame` is borrowed (so pinned) for `'a`, and `Linked` (here, then in
        // the returned access) unlinks it before the borrow ends, also when unwinding.
        let entered = unsafe { held::enter(frame) };
        let linked = Linked(frame);
        let reader = match entered {
            Entered::Nested => {
                return Ok(ReadAccess {
                    core: self,
                    token: None,
                    linked,
                });
            }
            Entered::Fresh(reader) => reader,
        };
        match self.lock.try_read(reader) {
            Ok(token) => {
                if R::BIASED && reader.owned && matches!(token, ReadToken::Counted(_)) {
                    self.counted_read();
                }
                Ok(ReadAccess {
                    core: self,
                    token: Some(token),
                    linked,
                })
            }
            Err(busy) => match self.lock.read_slow(reader, busy, deadline) {
                Ok(token) => Ok(ReadAccess {
                    core: self,
                    token: Some(token),
                    linked,
                }),
                Err(ReadRefused::TimedOut) => Err(TimedOut),
                Err(ReadRefused::Poisoned) => self.refuse_poisoned(),
            },
        }
    }

    /// A thread that owns its slot read through the counted path: every so often,
    /// ask for bias back.
    #[cold]
    #[inline(never)]
    fn counted_read(&self) {
        if held::counted_read() {
            self.lock.try_bias();
        }
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn refuse_poisoned(&self) -> ! {
        error::poisoned(self.name, self.poisoner().as_deref())
    }

    #[inline(always)]
    #[track_caller]
    pub(super) fn acquire_write<'a>(
        &'a self,
        frame: &'a Frame,
        deadline: Option<Deadline>,
        recovering: bool,
    ) -> Result<WriteAccess<'a, T, R>, TimedOut> {
        // SAFETY: as in `acquire_read`.
        let entered = unsafe { held::enter(frame) };
        debug_assert!(matches!(entered, Entered::Fresh(_)), "writes never nest");
        let linked = Linked(frame);
        let held = self.lock.lock_write(deadline)?;
        if held.poisoned && !recovering {
            self.lock.unlock_write(true);
            self.refuse_poisoned();
        }
        Ok(WriteAccess {
            core: self,
            poisoned: held.poisoned,
            linked,
        })
    }

    /// A read now or never, for `Debug`: no waiting, no panic, no lock-order record.
    pub(super) fn try_acquire_read_now<'a>(&'a self, frame: &'a Frame) -> Access<'a, T, R> {
        // SAFETY: as in `acquire_read`.
        let Some(entered) = (unsafe { held::enter_quietly(frame) }) else {
            return Access::HeldHere;
        };
        let linked = Linked(frame);
        let token = match entered {
            Entered::Nested => None,
            Entered::Fresh(reader) => match self.lock.try_read(Reader {
                owned: false,
                ..reader
            }) {
                Ok(token) => Some(token),
                Err(_) => return Access::Busy,
            },
        };
        Access::Got(ReadAccess {
            core: self,
            token,
            linked,
        })
    }

    pub(super) fn poisoner(&self) -> Option<String> {
        self.poisoned_by.lock().clone()
    }
}

/// What [`Core::try_acquire_read_now`] got.
pub(super) enum Access<'a, T, R: Readers> {
    Got(ReadAccess<'a, T, R>),
    /// A writer holds the lock, or the value is poisoned.
    Busy,
    /// This thread holds the value in a `write`.
    HeldHere,
}

/// A read lock (or a read nested in this thread's outer read). Never handed out.
pub(super) struct ReadAccess<'a, T, R: Readers> {
    core: &'a Core<T, R>,
    /// `None` for a nested read, which holds no lock of its own.
    token: Option<ReadToken>,
    linked: Linked<'a>,
}

impl<T, R: Readers> ReadAccess<'_, T, R> {
    /// The closure returned: unlock and unlink, inlined at the call site. Left to drop
    /// glue, this was not inlined in the bench crate once `held::leave` checked the
    /// frame order, and every read got about 3x slower; `Drop` is for unwinding.
    #[inline(always)]
    pub(super) fn release(self) {
        let this = std::mem::ManuallyDrop::new(self);
        this.unlock();
        held::leave(this.linked.0);
    }

    #[inline(always)]
    fn unlock(&self) {
        if let Some(token) = self.token {
            self.core.lock.unlock_read(token);
        }
    }
}

impl<T, R: Readers> Drop for ReadAccess<'_, T, R> {
    fn drop(&mut self) {
        self.unlock();
    }
}

/// The write lock. Never handed out. `release` consumes it when the closure returns;
/// dropped instead, it is being unwound by a panic of *this* closure, and poisons the
/// value, whatever the thread was doing before: a write inside a `Drop` that runs
/// during unwinding poisons if its own closure panics (and the panic is caught in that
/// `Drop`), and does not if it completes (`std::thread::panicking()` cannot tell these
/// apart).
pub(super) struct WriteAccess<'a, T, R: Readers> {
    core: &'a Core<T, R>,
    /// The value was poisoned when the lock was taken (a `recover`).
    poisoned: bool,
    linked: Linked<'a>,
}

impl<T, R: Readers> WriteAccess<'_, T, R> {
    /// The closure returned: release, clearing poison if `recovered`; inlined at the
    /// call site (see `ReadAccess::release`).
    #[inline(always)]
    pub(super) fn release(self, recovered: bool) {
        let this = std::mem::ManuallyDrop::new(self);
        let mut poisoned = this.poisoned;
        if recovered {
            poisoned = false;
            *this.core.poisoned_by.lock() = None;
        }
        this.core.lock.unlock_write(poisoned);
        held::leave(this.linked.0);
    }
}

impl<T, R: Readers> Drop for WriteAccess<'_, T, R> {
    fn drop(&mut self) {
        *self.core.poisoned_by.lock() = Some(crate::sync::thread_label());
        self.core.lock.unlock_write(true);
    }
}
