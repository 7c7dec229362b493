//! The state word of a [`RawLock`](super::RawLock): three bits, private to this type,
//! each stated with its relation to the others (as parking_lot's `raw_rwlock.rs`
//! states its bits). Callers get booleans and enums, never the bits.
//!
//! Readers only load the word; every change is made by a writer (a CAS that takes
//! `WRITER`, then stores while holding it) or by [`State::try_bias`] (a CAS from idle).

use crate::sync::{
    AtomicUsize,
    Ordering::{Acquire, Relaxed, SeqCst},
};

/// The raw word, opaque outside this module.
pub(crate) type Word = usize;

/// A writer holds the lock, or waits for readers to drain.
///
/// Set only by a CAS from a state without it (`try_write_idle`, `try_write`); cleared
/// only by its holder (`unlock_write`, `abandon_write`, `restore`). While it is set no
/// new reader gets in (counted readers check it after registering; biased readers find
/// the state no longer exactly `BIAS`), and `BIAS` is clear.
const WRITER: Word = 1;

/// A `write` panicked; readers and writers refuse until a repair clears it.
///
/// Set and cleared only by the holder of `WRITER`, as it releases (`unlock_write`).
/// A poisoned lock is never biased: `try_bias` starts from exactly idle (0), so the
/// biased fast path (state exactly `BIAS`) never admits a reader to a poisoned value.
const POISONED: Word = 2;

/// Readers that own a slot may take the biased path (store to the slot, compiler fence,
/// load): only with the [`Biased`](super::Biased) strategy.
///
/// The invariant the biased path rests on: a biased reader can be inside only while
/// `BIAS` is set, or while the writer that cleared it holds `WRITER` and has run the
/// heavy fence since (`fence::heavy`). So: set only from exactly idle (`try_bias`),
/// cleared only together with taking `WRITER` (`try_write`), and put back only by that
/// writer when it gives the lock up unused (`abandon_write`, `restore`), because biased
/// readers it waited for may still be inside.
const BIAS: Word = 4;

pub(super) struct State(AtomicUsize);

impl State {
    pub(super) fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// The biased fast path's first look: exactly `BIAS` (no writer, no poison).
    #[inline(always)]
    pub(super) fn biased_relaxed(&self) -> bool {
        self.0.load(Relaxed) == BIAS
    }

    /// The biased fast path's check after announcing: still exactly `BIAS`. Acquire:
    /// the data the last writer released is visible to this read.
    #[inline(always)]
    pub(super) fn biased_acquire(&self) -> bool {
        self.0.load(Acquire) == BIAS
    }

    /// The counted path's check after registering: no `WRITER`, no `POISONED`.
    #[inline(always)]
    pub(super) fn readable(&self) -> Result<(), Word> {
        let word = self.0.load(SeqCst);
        if word & !BIAS == 0 { Ok(()) } else { Err(word) }
    }

    pub(super) fn has_writer(word: Word) -> bool {
        word & WRITER != 0
    }

    pub(super) fn has_poison(word: Word) -> bool {
        word & POISONED != 0
    }

    pub(super) fn has_bias(word: Word) -> bool {
        word & BIAS != 0
    }

    /// A biased reader's exit check: a writer is (or may be) waiting for it.
    #[inline(always)]
    pub(super) fn writer_relaxed(&self) -> bool {
        self.0.load(Relaxed) & WRITER != 0
    }

    #[inline(always)]
    pub(super) fn writer_held(&self) -> bool {
        self.0.load(SeqCst) & WRITER != 0
    }

    #[inline]
    pub(super) fn is_poisoned(&self) -> bool {
        self.0.load(SeqCst) & POISONED != 0
    }

    pub(super) fn status(&self) -> super::Status {
        let word = self.0.load(SeqCst);
        super::Status {
            writer: word & WRITER != 0,
            poisoned: word & POISONED != 0,
            biased: word & BIAS != 0,
        }
    }

    /// Idle to biased (see `BIAS`).
    pub(super) fn try_bias(&self) {
        let _ = self.0.compare_exchange(0, BIAS, SeqCst, Relaxed);
    }

    /// The write fast path: idle, unbiased, unpoisoned to `WRITER`.
    #[inline(always)]
    pub(super) fn try_write_idle(&self) -> bool {
        self.0.compare_exchange(0, WRITER, SeqCst, Relaxed).is_ok()
    }

    /// Takes `WRITER` (clearing `BIAS`) from whatever state without a writer; returns
    /// the state found (to tell whether bias was revoked, and to `restore`), or `Err`
    /// if a writer holds the lock.
    pub(super) fn try_write(&self) -> Result<Word, ()> {
        let mut word = self.0.load(SeqCst);
        loop {
            if word & WRITER != 0 {
                return Err(());
            }
            let taken = (word | WRITER) & !BIAS;
            match self.0.compare_exchange(word, taken, SeqCst, SeqCst) {
                Ok(_) => return Ok(word),
                // Changed meanwhile (another writer, or bias): look again.
                Err(now) => word = now,
            }
        }
    }

    /// Holding `WRITER`: back to exactly `was` (a take that could not be completed).
    pub(super) fn restore(&self, was: Word) {
        debug_assert_eq!(was & WRITER, 0);
        self.0.store(was, SeqCst);
    }

    /// Holding `WRITER`, unused: release it, putting `BIAS` back if this writer
    /// revoked it (see `BIAS`).
    pub(super) fn abandon_write(&self, revoked: bool) {
        let word = self.0.load(SeqCst) & !WRITER;
        self.0
            .store(if revoked { word | BIAS } else { word }, SeqCst);
    }

    /// Holding `WRITER`: release it, poisoned or not, unbiased.
    #[inline(always)]
    pub(super) fn unlock_write(&self, poisoned: bool) {
        self.0.store(if poisoned { POISONED } else { 0 }, SeqCst);
    }
}
