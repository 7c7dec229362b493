//! The clock of the hit path: monotonic, and cheap enough to read on every call.
//!
//! `Instant::now()` (`CLOCK_MONOTONIC`) costs about 25 ns in a VM, more than the rest
//! of a cache hit together. `CLOCK_MONOTONIC_COARSE` is read from the vDSO page
//! without touching the hardware counter (about 5 ns) and lags real time by at most
//! one kernel tick (1 to 10 ms), which only adds that tick to how stale a value may be.

/// Nanoseconds on a monotonic clock. Never 0, so that a deadline of 0 means "check
/// now". If the clock cannot be read, `u64::MAX`: every deadline has passed, and the
/// cache checks the file on every call (slow, but never stale).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub(crate) fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` that outlives the call, and
    // `clock_gettime` writes nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &raw mut ts) };
    if rc == 0 {
        // No checked or saturating arithmetic on the hit path: a monotonic clock's
        // seconds are non-negative and count from boot, so the product fits a `u64`
        // for 584 years of uptime, and `tv_nsec` is below 10^9. `| 1` keeps it from
        // being 0 at the cost of 1 ns of resolution.
        #[allow(clippy::cast_sign_loss)]
        let (secs, nanos) = (ts.tv_sec as u64, ts.tv_nsec as u64);
        secs.wrapping_mul(1_000_000_000).wrapping_add(nanos) | 1
    } else {
        u64::MAX
    }
}

/// Nanoseconds on a monotonic clock (`Instant`, counted from first use); never 0.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
pub(crate) fn now_ns() -> u64 {
    // singleton-audit: allow(the runtime's clock: #[invalidating_cache] is built on it)
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    #[test]
    fn monotonic_and_ticking() {
        let a = super::now_ns();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let b = super::now_ns();
        assert!(a > 0);
        assert!(b > a, "{b} > {a}");
        // One tick of a coarse clock is at most 10 ms, so 30 ms show at least 10 ms.
        assert!(b - a >= 10_000_000, "{}", b - a);
    }
}
