//! The raw lock under a guarded global: a reader-writer lock whose readers never write
//! to a shared cache line, and, while the lock is *biased* towards reading, never
//! execute an atomic read-modify-write either.
//!
//! Every thread owns a reader slot (see `held::Slot`): a 128-byte line per lock holding
//! two words. `biased` is written only by the slot's owner; `count` is a counter that
//! threads beyond the number of slots share.
//!
//! Biased read (the fast path; state is exactly `BIAS`, the thread owns its slot):
//! store 1 to `biased`, [`fence::light`], load `state`; if still `BIAS` the read holds.
//! On exit store 0. No read-modify-write, no shared line written.
//!
//! Counted read (bias off, or a thread without a slot of its own): `fetch_add` on
//! `count`, load `state`; holds if no `WRITER`, `POISONED` or `UNINIT` bit is set.
//! On exit `fetch_sub`. Still no shared line written.
//!
//! Write: CAS the `WRITER` bit on (clearing `BIAS`). If `BIAS` was on, run
//! [`fence::heavy`] (every thread executes a full fence), so that every biased reader
//! either is visible in its slot or will see `WRITER`; then wait until every slot's
//! `biased` and `count` are 0. Only the holder of `WRITER` changes `state` besides that
//! CAS. A write without bias costs a CAS, a scan of the slots and a store. A writer
//! whose deadline passes while it waits for readers puts `BIAS` back if it took it
//! off (see `drain`): biased readers still inside are ordered only against a writer
//! that runs the heavy fence.
//!
//! Bias comes back when readers take the counted path often (`held` counts it per
//! thread and calls [`RawLock::try_bias`]) and after the value is built. Revoking costs
//! a `membarrier` system call (about a microsecond), so a global that is written
//! often stays unbiased and pays the counted path instead.
//!
//! Blocking is on one `Mutex` + `Condvar`. A waiter bumps `waiters` before checking its
//! condition under the mutex; whoever changes a condition checks `waiters` after the
//! change (behind a `SeqCst` fence) and, if anyone waits, notifies under the mutex. So
//! a wake-up is never lost, and uncontended paths never touch the mutex.
//!
//! Reentrancy never reaches this type: a read nested in a read of the same global on
//! the same thread is let through by `held` without touching the lock, which is why a
//! writer queued between the two cannot deadlock them.

use super::fence;
use crate::sync::{
    self, AtomicUsize, Condvar, Mutex,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
    loom_const_array, loom_const_fn,
};
use crate::waits::{self, Access, Kind, Resource};

/// A writer holds the lock, or waits for readers to drain.
pub(crate) const WRITER: usize = 1;
/// A `write` panicked; accesses refuse until the poison is cleared.
pub(crate) const POISONED: usize = 2;
/// The value has not been built yet.
pub(crate) const UNINIT: usize = 4;
/// Readers that own a slot may take the biased path.
pub(crate) const BIAS: usize = 8;

/// Reader slots per lock: this many threads read without sharing any written line;
/// more threads share the `count`s (still correct, and still without bias).
#[cfg(not(singleton_loom))]
pub(crate) const SLOTS: usize = 8;
#[cfg(singleton_loom)]
pub(crate) const SLOTS: usize = 2;

/// One reader slot, alone on 128 bytes: two 64-byte lines, because the adjacent-line
/// prefetcher of x86 cores pulls lines in pairs.
#[repr(align(128))]
struct Slot {
    /// 1 while the owning thread holds a biased read.
    biased: AtomicUsize,
    /// Counted reads in progress.
    count: AtomicUsize,
}

impl Slot {
    loom_const_fn! {
        fn new() -> Self {
            Self {
                biased: AtomicUsize::new(0),
                count: AtomicUsize::new(0),
            }
        }
    }
}

/// How a read lock was taken, to release it the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadToken {
    Biased(usize),
    Counted(usize),
}

/// Why a reader could not take the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The value is poisoned.
    Poisoned,
    /// The value must be built first.
    Uninit,
}

/// The deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimedOut;

pub(crate) struct RawLock {
    /// `WRITER | POISONED | UNINIT | BIAS`; readers only load it.
    state: AtomicUsize,
    /// Threads blocked (or about to block) on `cv`.
    waiters: AtomicUsize,
    slots: [Slot; SLOTS],
    park: Mutex<()>,
    cv: Condvar,
}

impl RawLock {
    loom_const_fn! {
        /// A lock whose value is not built yet.
        pub(crate) fn new() -> Self {
            Self {
                state: AtomicUsize::new(UNINIT),
                waiters: AtomicUsize::new(0),
                slots: loom_const_array![Slot::new(); SLOTS],
                park: Mutex::new(()),
                cv: Condvar::new(),
            }
        }
    }

    /// The state bits.
    #[inline]
    pub(crate) fn state(&self) -> usize {
        self.state.load(SeqCst)
    }

    /// Takes a read lock if nothing stands in the way; the fast path. `slot` is the
    /// thread's slot index, `owned` whether the thread owns it (may go biased).
    #[inline(always)]
    pub(crate) fn try_read(&self, slot: usize, owned: bool) -> Result<ReadToken, usize> {
        if owned && self.state.load(Relaxed) == BIAS {
            let biased = &self.slots[slot].biased;
            biased.store(1, Relaxed);
            fence::light();
            // Acquire: the data the last writer released is visible to this read.
            if self.state.load(Acquire) == BIAS {
                return Ok(ReadToken::Biased(slot));
            }
            self.unlock_read(ReadToken::Biased(slot));
        }
        let count = &self.slots[slot].count;
        count.fetch_add(1, SeqCst);
        fence::dekker();
        let state = self.state.load(SeqCst);
        if state & !BIAS == 0 {
            Ok(ReadToken::Counted(slot))
        } else {
            self.unlock_read(ReadToken::Counted(slot));
            Err(state)
        }
    }

    /// The read path after [`try_read`](Self::try_read) failed with `state`: waits for a
    /// writer (until `deadline`), or says why the lock cannot be read.
    #[cold]
    pub(crate) fn lock_read_slow(
        &self,
        slot: usize,
        mut state: usize,
        deadline: Option<Deadline>,
    ) -> Result<Result<ReadToken, Refused>, TimedOut> {
        loop {
            if state & WRITER != 0 {
                self.wait_until(deadline, Access::Exclusive, || self.state() & WRITER == 0)?;
            } else if state & POISONED != 0 {
                return Ok(Err(Refused::Poisoned));
            } else {
                return Ok(Err(Refused::Uninit));
            }
            // Counted: right after a writer, bias is off anyway.
            match self.try_read(slot, false) {
                Ok(token) => return Ok(Ok(token)),
                Err(now) => state = now,
            }
        }
    }

    /// Releases a read lock.
    #[inline(always)]
    pub(crate) fn unlock_read(&self, token: ReadToken) {
        match token {
            ReadToken::Biased(slot) => {
                self.slots[slot].biased.store(0, Release);
                fence::light();
                if self.state.load(Relaxed) & WRITER != 0 {
                    self.wake_writer();
                }
            }
            ReadToken::Counted(slot) => {
                self.slots[slot].count.fetch_sub(1, SeqCst);
                fence::dekker();
                if self.state.load(SeqCst) & WRITER != 0 {
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

    /// Turns bias on if the lock is idle (no writer, built, not poisoned) and the
    /// platform has asymmetric fences.
    #[cold]
    pub(crate) fn try_bias(&self) {
        if self.state.load(Relaxed) == 0 && fence::available() {
            let _ = self.state.compare_exchange(0, BIAS, SeqCst, Relaxed);
        }
    }

    /// Takes the write lock, waiting until `deadline`; returns the state bits other
    /// than `WRITER` and `BIAS` (poison, uninit) for the caller to act on.
    #[inline(always)]
    pub(crate) fn lock_write(&self, deadline: Option<Deadline>) -> Result<usize, TimedOut> {
        // Fast path: idle, built, unbiased, no reader in sight.
        if self
            .state
            .compare_exchange(0, WRITER, SeqCst, Relaxed)
            .is_ok()
        {
            fence::dekker();
            if self.drained() {
                return Ok(0);
            }
            return self.drain(deadline, 0);
        }
        self.lock_write_slow(deadline)
    }

    #[cold]
    #[inline(never)]
    fn lock_write_slow(&self, deadline: Option<Deadline>) -> Result<usize, TimedOut> {
        let was = loop {
            let state = self.state.load(SeqCst);
            if state & WRITER == 0 {
                let taken = (state | WRITER) & !BIAS;
                if self
                    .state
                    .compare_exchange(state, taken, SeqCst, SeqCst)
                    .is_ok()
                {
                    break state;
                }
            } else {
                self.wait_until(deadline, Access::Exclusive, || self.state() & WRITER == 0)?;
            }
        };
        if was & BIAS != 0 {
            // Every biased reader now either shows in its slot or sees `WRITER`.
            if let Err(errno) = fence::heavy() {
                // No fence: biased readers may be inside unseen. Undo the take (the
                // value was never touched, and readers already in keep their bias),
                // wake whoever queued behind `WRITER`, and only then fail.
                self.state.store(was, SeqCst);
                fence::dekker();
                self.wake();
                panic!(
                    "a guarded global could not be written: membarrier(2) failed (errno \
                     {errno}) after it had worked in this process (a seccomp filter added \
                     later?); the write did not happen and the value is unchanged"
                );
            }
        } else {
            fence::dekker();
        }
        self.drain(deadline, was & BIAS)
    }

    /// Holding `WRITER`, waits for the readers to leave. `revoked` is `BIAS` if this
    /// writer turned bias off when it took `WRITER`.
    ///
    /// If the deadline passes first, the lock goes back to how this writer found it,
    /// *bias included*. Biased readers may still be inside; their exit (a store, a
    /// compiler fence, a relaxed load of `state`) is ordered against a writer only by
    /// that writer's heavy fence. Released unbiased, the next writer would take the
    /// fast path without one, could miss such a reader's exit store, and that reader
    /// could miss the new `WRITER` and skip the wake-up: the writer would sleep forever
    /// (`loom_a_biased_reader_left_behind_by_a_timed_out_writer_wakes_the_next_writer`).
    /// With `BIAS` back, the next writer revokes it again, heavy fence included. This
    /// keeps the invariant the biased path rests on: a biased reader can be inside only
    /// while `BIAS` is set, or while the writer that cleared it holds `WRITER` and has
    /// run the heavy fence since. (The value was not touched, so readers coming in
    /// biased again see what they saw before.)
    #[cold]
    #[inline(never)]
    fn drain(&self, deadline: Option<Deadline>, revoked: usize) -> Result<usize, TimedOut> {
        // The wait may panic (it would close a wait cycle): give `WRITER` back then,
        // and the bias this writer revoked, as on a timeout (below).
        struct Undo<'a>(&'a RawLock, usize);
        impl Drop for Undo<'_> {
            fn drop(&mut self) {
                let state = self.0.state();
                self.0.unlock_write((state & !WRITER) | self.1);
            }
        }
        let undo = Undo(self, revoked);
        let waited = self.wait_until(deadline, Access::Draining, || self.drained());
        std::mem::forget(undo);
        if let Err(timed_out) = waited {
            let state = self.state();
            self.unlock_write((state & !WRITER) | revoked);
            return Err(timed_out);
        }
        Ok(self.state() & !WRITER)
    }

    /// Releases the write lock, leaving `bits` (`POISONED`, `UNINIT`, `BIAS`) as the
    /// state.
    #[inline(always)]
    pub(crate) fn unlock_write(&self, bits: usize) {
        debug_assert_eq!(bits & WRITER, 0);
        self.state.store(bits, SeqCst);
        fence::dekker();
        self.wake();
    }

    /// No reader in any slot. Branch-free: every load is issued at once.
    #[inline(always)]
    fn drained(&self) -> bool {
        self.slots.iter().fold(0, |any, slot| {
            any | slot.biased.load(SeqCst) | slot.count.load(SeqCst)
        }) == 0
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
}

impl RawLock {
    /// Registers this thread as waiting for this lock in the process-wide wait-for
    /// graph (with the guarded globals it holds), or panics with the cycle that
    /// sleeping would close. Runs only when a wait without deadline is about to park.
    #[cold]
    #[inline(never)]
    fn enter_wait_graph(&self, waits_for: Access) -> waits::WaitTicket {
        let key = std::ptr::from_ref(self).addr();
        let (name, locks) = waits::wait_context(key);
        let resource =
            Resource::named(key, Kind::GuardedGlobal, name.unwrap_or("?")).with_access(waits_for);
        waits::before_wait(resource, locks).unwrap_or_else(|cycle| panic!("{cycle}"))
    }
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
