//! The biased strategy: a reader slot per thread, each alone on 128 bytes, so that
//! readers on different cores never write a shared line, and readers that own their
//! slot can take the biased path (a plain store instead of a read-modify-write). For
//! globals: ~1 KiB per lock, paid once per global.
//!
//! Bias comes back when readers take the counted path often (`held` counts it per
//! thread and asks `RawLock::try_bias` every ~1000 counted reads). Revoking costs a
//! `membarrier` system call (microseconds), so a lock that is written often should
//! stay unbiased: a revocation that comes soon (`SOON`) after bias was turned on makes
//! the lock ignore twice as many requests as the last time before it agrees again (up
//! to `2^MAX_BACKOFF`); one that comes later starts over at zero. A lock written once
//! a second is biased almost all the time; one written every hundred reads stays
//! counted, and its writers stop paying for `membarrier`.

use super::Readers;
use crate::sync::{
    AtomicU64, AtomicUsize,
    Ordering::{Relaxed, Release, SeqCst},
    loom_const_array, loom_const_fn,
};

/// Reader slots per lock: this many threads read without sharing any written line;
/// more threads share the `count`s (still correct, and still without bias).
#[cfg(not(singleton_loom))]
pub(crate) const SLOTS: usize = 8;
#[cfg(singleton_loom)]
pub(crate) const SLOTS: usize = 2;

/// The most rebias requests in a row a lock ignores (as a power of two).
const MAX_BACKOFF: usize = 12;

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

pub(crate) struct Biased {
    slots: [Slot; SLOTS],
    /// When bias may come back. Only touched on cold paths (a revocation; a rebias
    /// request every ~1000 counted reads); relaxed, as it is policy, not safety.
    backoff: Backoff,
}

/// A revocation this soon after bias was turned on counts as "written often".
#[cfg(not(singleton_loom))]
const SOON: std::time::Duration = std::time::Duration::from_millis(20);

struct Backoff {
    /// Requests to ignore before agreeing again.
    skip: AtomicUsize,
    /// `log2` of the skip after the next early revocation.
    level: AtomicUsize,
    /// When bias was last turned on ([`now`]).
    biased_at: AtomicU64,
}

/// Nanoseconds on a process-wide monotonic clock.
#[cfg(not(singleton_loom))]
fn now() -> u64 {
    // singleton-audit: allow(the clock origin of the rebias policy, set once)
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let origin = *ORIGIN.get_or_init(std::time::Instant::now);
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Under loom time does not pass (and must not: runs are replayed): every revocation
/// counts as early, so the models also cover the backoff.
#[cfg(singleton_loom)]
fn now() -> u64 {
    0
}

impl Readers for Biased {
    const BIASED: bool = true;

    fn new() -> Self {
        Self {
            slots: loom_const_array![Slot::new(); SLOTS],
            backoff: Backoff {
                skip: AtomicUsize::new(0),
                level: AtomicUsize::new(0),
                biased_at: AtomicU64::new(0),
            },
        }
    }

    #[inline(always)]
    fn announce(&self, slot: usize) {
        self.slots[slot].biased.store(1, Relaxed);
    }

    #[inline(always)]
    fn retract(&self, slot: usize) {
        self.slots[slot].biased.store(0, Release);
    }

    #[inline(always)]
    fn count_in(&self, slot: usize) {
        self.slots[slot].count.fetch_add(1, SeqCst);
    }

    #[inline(always)]
    fn count_out(&self, slot: usize) {
        self.slots[slot].count.fetch_sub(1, SeqCst);
    }

    /// Branch-free: every load is issued at once.
    #[inline(always)]
    fn drained(&self) -> bool {
        self.slots.iter().fold(0, |any, slot| {
            any | slot.biased.load(SeqCst) | slot.count.load(SeqCst)
        }) == 0
    }

    fn revoked(&self) {
        let b = &self.backoff;
        #[cfg(not(singleton_loom))]
        let early = now().saturating_sub(b.biased_at.load(Relaxed))
            < u64::try_from(SOON.as_nanos()).unwrap_or(u64::MAX);
        #[cfg(singleton_loom)]
        let early = true;
        if early {
            let level = b.level.load(Relaxed);
            b.skip.store((1 << level) - 1, Relaxed);
            b.level.store((level + 1).min(MAX_BACKOFF), Relaxed);
        } else {
            b.skip.store(0, Relaxed);
            b.level.store(0, Relaxed);
        }
    }

    fn may_rebias(&self) -> bool {
        let b = &self.backoff;
        let skip = b.skip.load(Relaxed);
        if skip > 0 {
            b.skip.store(skip - 1, Relaxed);
            return false;
        }
        b.biased_at.store(now(), Relaxed);
        true
    }
}
