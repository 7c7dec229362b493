//! Taking and releasing a global: the fast paths that `read` and `write` inline, the
//! slow paths (waiting, building the value, poison), and the access guards, which
//! never leave this crate: every public method takes one, runs the user's closure, and
//! drops it, also when the closure panics.

use super::held::{self, Entered, Frame, Linked, Mode};
use super::lock::{Deadline, POISONED, RawLock, ReadToken, Refused, TimedOut, UNINIT};
use super::{GuardedGlobal, error};

impl<T> GuardedGlobal<T> {
    /// Identifies this global among the ones a thread holds: the address of its lock,
    /// not of the global, because a global stored inside another one's value can start
    /// at the same address as the outer global, but its lock never lies where the outer
    /// lock does (the inner lock is inside the outer `value`, a separate field).
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
    ) -> Result<ReadAccess<'a, T>, TimedOut> {
        // SAFETY: `frame` is borrowed (so pinned) for `'a`, and `Linked` (here, then in
        // the returned access) unlinks it before the borrow ends, also when unwinding.
        let entered = unsafe { held::enter(frame) };
        let linked = Linked(frame);
        let slot = match entered {
            Entered::Nested => {
                return Ok(ReadAccess {
                    global: self,
                    token: None,
                    linked,
                });
            }
            Entered::Fresh(slot) => slot,
        };
        match self.lock.try_read(slot.index, slot.owned) {
            Ok(token) => {
                if slot.owned && matches!(token, ReadToken::Counted(_)) {
                    self.counted_read();
                }
                Ok(ReadAccess {
                    global: self,
                    token: Some(token),
                    linked,
                })
            }
            Err(state) => self.acquire_read_slow(frame, slot, state, deadline, linked),
        }
    }

    /// A thread that owns its slot read through the counted path: every so often,
    /// try to turn bias back on.
    #[cold]
    #[inline(never)]
    fn counted_read(&self) {
        if held::counted_read() {
            self.lock.try_bias();
        }
    }

    /// Waits for a writer, builds the value, or reports poison.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn acquire_read_slow<'a>(
        &'a self,
        frame: &'a Frame,
        slot: held::Slot,
        mut state: usize,
        deadline: Option<Deadline>,
        linked: Linked<'a>,
    ) -> Result<ReadAccess<'a, T>, TimedOut> {
        loop {
            match self.lock.lock_read_slow(slot.index, state, deadline)? {
                Ok(token) => {
                    return Ok(ReadAccess {
                        global: self,
                        token: Some(token),
                        linked,
                    });
                }
                Err(Refused::Poisoned) => error::poisoned(self.name, self.poisoner().as_deref()),
                Err(Refused::Uninit) => {
                    let bits = self.lock.lock_write(deadline)?;
                    let bits = if bits & UNINIT == 0 {
                        bits
                    } else {
                        self.build(frame, bits)
                    };
                    frame.set_mode(Mode::Read);
                    self.lock.unlock_write(bits);
                    self.lock.try_bias();
                }
            }
            match self.lock.try_read(slot.index, slot.owned) {
                Ok(token) => {
                    return Ok(ReadAccess {
                        global: self,
                        token: Some(token),
                        linked,
                    });
                }
                Err(now) => state = now,
            }
        }
    }

    #[inline(always)]
    #[track_caller]
    pub(super) fn acquire_write<'a>(
        &'a self,
        frame: &'a Frame,
        deadline: Option<Deadline>,
        recovering: bool,
    ) -> Result<WriteAccess<'a, T>, TimedOut> {
        // SAFETY: as in `acquire_read`.
        let entered = unsafe { held::enter(frame) };
        debug_assert!(matches!(entered, Entered::Fresh(_)), "writes never nest");
        let linked = Linked(frame);
        let mut bits = self.lock.lock_write(deadline)?;
        if bits != 0 {
            bits = self.poisoned_or_uninit(frame, bits, recovering);
        }
        Ok(WriteAccess {
            global: self,
            bits,
            linked,
        })
    }

    /// Holding the write lock with `bits` set: refuses a poisoned value (unless
    /// `recovering`), builds a missing one; returns the bits to release with.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn poisoned_or_uninit(&self, frame: &Frame, mut bits: usize, recovering: bool) -> usize {
        if bits & POISONED != 0 && !recovering {
            self.lock.unlock_write(bits);
            error::poisoned(self.name, self.poisoner().as_deref());
        }
        if bits & UNINIT != 0 {
            bits = self.build(frame, bits);
            frame.set_mode(Mode::Write);
        }
        bits
    }

    /// Builds the value while this thread holds the write lock, `bits` being the state
    /// taken with it; returns the state to release with. If `init` panics, releases the
    /// lock (still uninitialised, not poisoned) and lets the panic pass.
    #[cold]
    fn build(&self, frame: &Frame, bits: usize) -> usize {
        struct Unlock<'a>(&'a RawLock, usize);
        impl Drop for Unlock<'_> {
            fn drop(&mut self) {
                self.0.unlock_write(self.1);
            }
        }
        let unlock = Unlock(&self.lock, bits);
        frame.set_mode(Mode::Init);
        let value = (self.init)();
        std::mem::forget(unlock);
        // SAFETY: this thread holds the write lock and `UNINIT` is set: the slot is
        // empty and nobody else can reference it.
        self.value.with_mut(|slot| unsafe {
            (*slot).write(value);
        });
        bits & !UNINIT
    }

    pub(super) fn poisoner(&self) -> Option<String> {
        self.poisoned_by.lock().clone()
    }
}

/// A read lock (or a read nested in this thread's outer read). Never handed out.
pub(super) struct ReadAccess<'a, T> {
    global: &'a GuardedGlobal<T>,
    /// `None` for a nested read, which holds no lock of its own.
    token: Option<ReadToken>,
    linked: Linked<'a>,
}

impl<T> ReadAccess<'_, T> {
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
            self.global.lock.unlock_read(token);
        }
    }
}

impl<T> Drop for ReadAccess<'_, T> {
    fn drop(&mut self) {
        self.unlock();
    }
}

/// The write lock. Never handed out. `release` consumes it when the closure returns;
/// dropped instead, it is being unwound by a panic of *this* closure, and poisons the
/// global, whatever the thread was doing before: a write inside a `Drop` that runs
/// during unwinding poisons if its own closure panics (and the panic is caught in that
/// `Drop`), and does not if it completes (`std::thread::panicking()` cannot tell these
/// apart).
pub(super) struct WriteAccess<'a, T> {
    global: &'a GuardedGlobal<T>,
    bits: usize,
    linked: Linked<'a>,
}

impl<T> WriteAccess<'_, T> {
    /// The closure returned: release, clearing poison if `recovered`; inlined at the
    /// call site (see `ReadAccess::release`).
    #[inline(always)]
    pub(super) fn release(self, recovered: bool) {
        let this = std::mem::ManuallyDrop::new(self);
        let mut bits = this.bits;
        if recovered {
            bits &= !POISONED;
            *this.global.poisoned_by.lock() = None;
        }
        this.global.lock.unlock_write(bits);
        held::leave(this.linked.0);
    }
}

impl<T> Drop for WriteAccess<'_, T> {
    fn drop(&mut self) {
        let thread = std::thread::current();
        let label = thread
            .name()
            .map_or_else(|| format!("{:?}", thread.id()), |n| format!("'{n}'"));
        *self.global.poisoned_by.lock() = Some(label);
        self.global.lock.unlock_write(self.bits | POISONED);
    }
}
