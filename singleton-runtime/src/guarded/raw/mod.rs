//! The raw lock under every guarded value: a reader-writer lock whose readers never
//! write to a shared cache line, with where readers register chosen by a strategy
//! (arc-swap's `strategy/` separates policy from mechanism the same way):
//!
//! - [`Biased`] (`biased.rs`): a 128-byte slot per thread (8 slots, ~1 KiB), and a
//!   *biased* read path without any atomic read-modify-write; for globals, of which a
//!   program has a few and reads many times.
//! - [`Counted`] (`counted.rs`): one counter word; for [`Guarded`](crate::Guarded)
//!   fields, of which a program may have many: the lock stays small.
//!
//! Both run the one protocol below; the strategy only says where a reader announces
//! itself and how a writer sees that none is left.
//!
//! Biased read (the fast path; state is exactly `BIAS`, the thread owns its slot):
//! announce in the slot (a plain store), [`fence::light`], load `state`; if still
//! `BIAS` the read holds. On exit retract (a store). No read-modify-write, no shared
//! line written.
//!
//! Counted read (bias off, a thread without a slot of its own, or the counted
//! strategy): `fetch_add` on the reader count, load `state`; holds if neither `WRITER`
//! nor `POISONED` is set. On exit `fetch_sub`.
//!
//! Write: CAS the `WRITER` bit on (clearing `BIAS`). If `BIAS` was on, run
//! [`fence::heavy`] (every thread executes a full fence), so that every biased reader
//! either is visible in its slot or will see `WRITER`; then wait until no reader is
//! registered. Only the holder of `WRITER` changes `state` besides that CAS. A writer
//! whose deadline passes while it waits for readers puts `BIAS` back if it took it off
//! (see `drain`).
//!
//! Blocking is on one `Mutex` + `Condvar`. A waiter bumps `waiters` before checking its
//! condition under the mutex; whoever changes a condition checks `waiters` after the
//! change (behind a `SeqCst` fence) and, if anyone waits, notifies under the mutex. So
//! a wake-up is never lost, and uncontended paths never touch the mutex.
//!
//! Reentrancy never reaches this type: a read nested in a read of the same value on
//! the same thread is let through by `held` without touching the lock, which is why a
//! writer queued between the two cannot deadlock them. Nor does building a value: a
//! lock exists only around a value that exists (a global builds its value first, then
//! the lock around it; see `global.rs`).

mod biased;
mod counted;
pub(crate) mod fence;
mod state;

pub(crate) use biased::{Biased, SLOTS};
pub(crate) use counted::Counted;
use state::State;

use crate::sync::{self, AtomicUsize, Condvar, Mutex, Ordering::SeqCst};
use crate::waits::{self, Access, Kind, Resource};

/// Where readers register: the strategy of a [`RawLock`]. Sealed: the two in this
/// module are the only ones, and the protocol's safety argument covers exactly them.
pub(crate) trait Readers: Sized {
    /// Whether readers may take the biased path (then `BIAS` may be set).
    const BIASED: bool;

    fn new() -> Self;

    /// A biased reader announces itself in `slot` (a plain store, the thread's own line).
    fn announce(&self, slot: usize);

    /// A biased reader leaves `slot` (a release store).
    fn retract(&self, slot: usize);

    /// A counted reader registers (`SeqCst` read-modify-write).
    fn count_in(&self, slot: usize);

    /// A counted reader leaves (`SeqCst` read-modify-write).
    fn count_out(&self, slot: usize);

    /// No reader registered anywhere (`SeqCst` loads).
    fn drained(&self) -> bool;

    /// A writer took the bias off; may lengthen the time before bias comes back.
    fn revoked(&self) {}

    /// A reader asks whether bias may come back (it read counted often).
    fn may_rebias(&self) -> bool {
        Self::BIASED
    }
}

/// Where the current thread reads: its slot, and whether it owns it (then it may take
/// the biased path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reader {
    pub(crate) slot: usize,
    pub(crate) owned: bool,
}

/// How a read lock was taken, to release it the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadToken {
    Biased(usize),
    Counted(usize),
}

/// Why the fast read path did not take the lock; opaque, for [`RawLock::read_slow`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Busy(state::Word);

/// Why a read could not be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadRefused {
    /// The value is poisoned.
    Poisoned,
    /// The deadline passed while a writer held the lock.
    TimedOut,
}

/// The write lock is held; `poisoned` says whether the value was poisoned when it was
/// taken (the caller refuses it, or repairs it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "the write lock is held: release it with `unlock_write`"]
pub(crate) struct WriteHeld {
    pub(crate) poisoned: bool,
}

/// The deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimedOut;

pub(crate) struct RawLock<R> {
    state: State,
    /// Threads blocked (or about to block) on `cv`.
    waiters: AtomicUsize,
    readers: R,
    park: Mutex<()>,
    cv: Condvar,
}

impl<R: Readers> RawLock<R> {
    /// An idle, unpoisoned, unbiased lock.
    pub(crate) fn new() -> Self {
        Self {
            state: State::new(),
            waiters: AtomicUsize::new(0),
            readers: R::new(),
            park: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// Whether a `write` panicked and the poison has not been cleared since.
    #[inline]
    pub(crate) fn is_poisoned(&self) -> bool {
        self.state.is_poisoned()
    }

    /// What the lock is doing, for `Debug` and tests.
    pub(crate) fn status(&self) -> Status {
        self.state.status()
    }

    /// Takes a read lock if nothing stands in the way; the fast path.
    #[inline(always)]
    pub(crate) fn try_read(&self, reader: Reader) -> Result<ReadToken, Busy> {
        if R::BIASED && reader.owned && self.state.biased_relaxed() {
            self.readers.announce(reader.slot);
            fence::light();
            if self.state.biased_acquire() {
                return Ok(ReadToken::Biased(reader.slot));
            }
            self.unlock_read(ReadToken::Biased(reader.slot));
        }
        self.readers.count_in(reader.slot);
        fence::dekker();
        match self.state.readable() {
            Ok(()) => Ok(ReadToken::Counted(reader.slot)),
            Err(word) => {
                self.unlock_read(ReadToken::Counted(reader.slot));
                Err(Busy(word))
            }
        }
    }

    /// The read path after [`try_read`](Self::try_read) failed: waits for a writer
    /// (until `deadline`), or says why the lock cannot be read.
    #[cold]
    pub(crate) fn read_slow(
        &self,
        reader: Reader,
        mut busy: Busy,
        deadline: Option<Deadline>,
    ) -> Result<ReadToken, ReadRefused> {
        loop {
            if State::has_writer(busy.0) {
                self.wait_until(deadline, Access::Exclusive, || !self.state.writer_held())
                    .map_err(|TimedOut| ReadRefused::TimedOut)?;
            } else {
                debug_assert!(State::has_poison(busy.0));
                return Err(ReadRefused::Poisoned);
            }
            // Counted: right after a writer, bias is off anyway.
            match self.try_read(Reader {
                owned: false,
                ..reader
            }) {
                Ok(token) => return Ok(token),
                Err(now) => busy = now,
            }
        }
    }

    /// Releases a read lock.
    #[inline(always)]
    pub(crate) fn unlock_read(&self, token: ReadToken) {
        match token {
            ReadToken::Biased(slot) => {
                self.readers.retract(slot);
                fence::light();
                if self.state.writer_relaxed() {
                    self.wake_writer();
                }
            }
            ReadToken::Counted(slot) => {
                self.readers.count_out(slot);
                fence::dekker();
                if self.state.writer_held() {
                    self.wake_writer();
                }
            }
        }
    }

    /// A reader left while a writer drains: it may be parked waiting for this slot.
    #[cold]
    fn wake_writer(&self) {
        // Pairs with the waiter's `waiters` increment before it re-checks the slots.
        sync::fence(SeqCst);
        self.wake();
    }

    /// Turns bias on if the strategy has it, the lock is idle (no writer, not
    /// poisoned), the strategy agrees, and the platform has asymmetric fences.
    #[cold]
    pub(crate) fn try_bias(&self) {
        if R::BIASED && self.readers.may_rebias() && fence::available() {
            self.state.try_bias();
        }
    }

    /// Takes the write lock, waiting until `deadline`.
    #[inline(always)]
    pub(crate) fn lock_write(&self, deadline: Option<Deadline>) -> Result<WriteHeld, TimedOut> {
        // Fast path: idle, unbiased, unpoisoned, no reader in sight.
        if self.state.try_write_idle() {
            fence::dekker();
            if self.readers.drained() {
                return Ok(WriteHeld { poisoned: false });
            }
            return self.drain(deadline, false);
        }
        self.lock_write_slow(deadline)
    }

    #[cold]
    #[inline(never)]
    fn lock_write_slow(&self, deadline: Option<Deadline>) -> Result<WriteHeld, TimedOut> {
        let was = loop {
            match self.state.try_write() {
                Ok(was) => break was,
                Err(()) => {
                    self.wait_until(deadline, Access::Exclusive, || !self.state.writer_held())?;
                }
            }
        };
        let revoked = State::has_bias(was);
        if revoked {
            self.readers.revoked();
            // Every biased reader now either shows in its slot or sees `WRITER`.
            if let Err(errno) = fence::heavy() {
                // No fence: biased readers may be inside unseen. Undo the take (the
                // value was never touched, and readers already in keep their bias),
                // wake whoever queued behind `WRITER`, and only then fail.
                self.state.restore(was);
                fence::dekker();
                self.wake();
                panic!(
                    "a guarded value could not be written: membarrier(2) failed (errno \
                     {errno}) after it had worked in this process (a seccomp filter added \
                     later?); the write did not happen and the value is unchanged"
                );
            }
        } else {
            fence::dekker();
        }
        self.drain(deadline, revoked)
    }

    /// Holding `WRITER`, waits for the readers to leave. `revoked`: this writer turned
    /// bias off when it took `WRITER`.
    ///
    /// If the deadline passes first, the lock goes back to how this writer found it,
    /// *bias included*. Biased readers may still be inside; their exit (a store, a
    /// compiler fence, a relaxed load of `state`) is ordered against a writer only by
    /// that writer's heavy fence. Released unbiased, the next writer would take the
    /// fast path without one, could miss such a reader's exit store, and that reader
    /// could miss the new `WRITER` and skip the wake-up: the writer would sleep forever
    /// (`loom_a_biased_reader_left_behind_by_a_timed_out_writer_wakes_the_next_writer`).
    /// With `BIAS` back, the next writer revokes it again, heavy fence included. This
    /// keeps the invariant the biased path rests on (stated on `State`'s `BIAS`).
    #[cold]
    #[inline(never)]
    fn drain(&self, deadline: Option<Deadline>, revoked: bool) -> Result<WriteHeld, TimedOut> {
        // The wait may panic (it would close a wait cycle): give `WRITER` back then,
        // and the bias this writer revoked, as on a timeout (below).
        struct Undo<'a, R: Readers>(&'a RawLock<R>, bool);
        impl<R: Readers> Drop for Undo<'_, R> {
            fn drop(&mut self) {
                self.0.abandon_write(self.1);
            }
        }
        let undo = Undo(self, revoked);
        let waited = self.wait_until(deadline, Access::Draining, || self.readers.drained());
        std::mem::forget(undo);
        if let Err(timed_out) = waited {
            self.abandon_write(revoked);
            return Err(timed_out);
        }
        Ok(WriteHeld {
            poisoned: self.state.is_poisoned(),
        })
    }

    /// Gives up a write lock that was never used: back to how it was found.
    fn abandon_write(&self, revoked: bool) {
        self.state.abandon_write(revoked);
        fence::dekker();
        self.wake();
    }

    /// Releases the write lock, poisoned or not.
    #[inline(always)]
    pub(crate) fn unlock_write(&self, poisoned: bool) {
        self.state.unlock_write(poisoned);
        fence::dekker();
        self.wake();
    }

    /// Wakes every waiter, if there is one.
    #[inline(always)]
    fn wake(&self) {
        if self.waiters.load(SeqCst) != 0 {
            self.notify();
        }
    }

    #[cold]
    #[inline(never)]
    fn notify(&self) {
        let _guard = self.park.lock();
        self.cv.notify_all();
    }

    /// Blocks until `ready()` holds or `deadline` passes. Spins briefly first: most
    /// critical sections are short, and parking costs microseconds. `waits_for` says
    /// who blocks it in the wait-for graph: the writer ([`Access::Exclusive`]) or, for
    /// a writer draining, the readers ([`Access::Draining`]).
    fn wait_until(
        &self,
        deadline: Option<Deadline>,
        waits_for: Access,
        ready: impl Fn() -> bool,
    ) -> Result<(), TimedOut> {
        #[cfg(not(singleton_loom))]
        for spin in 0..64 {
            if ready() {
                return Ok(());
            }
            if spin < 48 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        // About to sleep: join the wait-for graph, unless a deadline bounds the wait.
        // (Not under loom: the graph's decisions have models of their own in
        // `once::loom_tests`, and these models of the lock protocol would exceed loom's
        // branch budget with the graph's lock in every wait.)
        let _in_graph =
            (deadline.is_none() && !cfg!(singleton_loom)).then(|| self.enter_wait_graph(waits_for));
        self.waiters.fetch_add(1, SeqCst);
        fence::dekker();
        let mut guard = self.park.lock();
        let result = loop {
            if ready() {
                break Ok(());
            }
            match deadline {
                None => guard = self.cv.wait(guard),
                Some(deadline) => match deadline.remaining() {
                    None => break Err(TimedOut),
                    Some(left) => guard = self.cv.wait_timeout(guard, left),
                },
            }
        };
        drop(guard);
        self.waiters.fetch_sub(1, SeqCst);
        result
    }

    /// Registers this thread as waiting for this lock in the process-wide wait-for
    /// graph (with the guarded values it holds), or panics with the cycle that
    /// sleeping would close. Runs only when a wait without deadline is about to park.
    #[cold]
    #[inline(never)]
    fn enter_wait_graph(&self, waits_for: Access) -> waits::WaitTicket {
        let key = std::ptr::from_ref(self).addr();
        let locks = waits::held_by_me(key);
        let resource = match super::held::taking(key) {
            Some(name) => Resource::named(key, name.kind(), name.text),
            None => Resource::named(key, Kind::GuardedGlobal, "?"),
        }
        .with_access(waits_for);
        waits::before_wait(resource, locks).unwrap_or_else(|cycle| panic!("{cycle}"))
    }
}

/// What a lock is doing, without the bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Status {
    pub(crate) writer: bool,
    pub(crate) poisoned: bool,
    pub(crate) biased: bool,
}

/// A point in time after which a timed access gives up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    #[cfg_attr(singleton_loom, allow(dead_code, reason = "loom does not model time"))]
    at: std::time::Instant,
    /// Under loom time does not pass: a model says which deadlines have passed.
    #[cfg(singleton_loom)]
    passed: bool,
}

impl Deadline {
    /// `timeout` from now; `None` if that overflows (so: wait forever).
    pub(crate) fn after(timeout: std::time::Duration) -> Option<Self> {
        std::time::Instant::now()
            .checked_add(timeout)
            .map(|at| Self {
                at,
                #[cfg(singleton_loom)]
                passed: false,
            })
    }

    /// A deadline that has already passed: under loom, the model of a timed access
    /// that gives up at the first wait that is not satisfied at once.
    #[cfg(all(test, singleton_loom))]
    pub(crate) fn passed() -> Self {
        Self {
            at: std::time::Instant::now(),
            passed: true,
        }
    }

    /// Time left, or `None` once passed. Under loom time does not pass: the model
    /// checks the blocking protocol, and real time would make runs non-deterministic.
    fn remaining(self) -> Option<std::time::Duration> {
        #[cfg(singleton_loom)]
        return (!self.passed).then_some(std::time::Duration::from_secs(1));
        #[cfg(not(singleton_loom))]
        {
            let left = self.at.saturating_duration_since(std::time::Instant::now());
            (!left.is_zero()).then_some(left)
        }
    }
}
