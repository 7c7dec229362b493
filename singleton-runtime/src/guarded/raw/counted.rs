//! The counted strategy: one reader count, for [`Guarded`](crate::Guarded) fields, so
//! that a lock is a few words, not a kilobyte. Readers on different cores share the
//! count's line (as with std's `RwLock`); no biased path.

use super::Readers;
use crate::sync::{AtomicUsize, Ordering::SeqCst};

pub(crate) struct Counted {
    /// Reads in progress.
    count: AtomicUsize,
}

impl Readers for Counted {
    const BIASED: bool = false;

    fn new() -> Self {
        Self {
            count: AtomicUsize::new(0),
        }
    }

    fn announce(&self, _: usize) {
        unreachable!("the counted strategy is never biased")
    }

    fn retract(&self, _: usize) {
        unreachable!("the counted strategy is never biased")
    }

    #[inline(always)]
    fn count_in(&self, _: usize) {
        self.count.fetch_add(1, SeqCst);
    }

    #[inline(always)]
    fn count_out(&self, _: usize) {
        self.count.fetch_sub(1, SeqCst);
    }

    #[inline(always)]
    fn drained(&self) -> bool {
        self.count.load(SeqCst) == 0
    }
}
