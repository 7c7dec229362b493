//! Asymmetric fences: a free fence for readers, an expensive one for writers.
//!
//! A biased read announces itself with a plain store to its own cache line and then
//! loads the lock state; that store-then-load needs a full fence, which costs as much
//! as the atomic read-modify-write it replaces. Instead the reader only stops the
//! compiler from reordering ([`light`]), and a writer, before it looks at the readers'
//! lines, makes every other running thread of the process execute a full fence
//! ([`heavy`], Linux `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`). Together the
//! pair is as strong as a `SeqCst` fence on both sides: either the writer sees the
//! reader's store, or the reader's load sees the writer's.
//!
//! Where `membarrier` is missing (other systems, old kernels, a seccomp filter), locks
//! simply never enable the biased read path; reads then take the counted path, which
//! is correct everywhere.
//!
//! Under loom (which has no asymmetric fences) the pair is modelled by what it
//! guarantees, and no more: both sides do a read-modify-write of one shared word
//! ([`light`] adds 0, [`heavy`] adds 1). Read-modify-writes of one word are totally
//! ordered and each synchronises with the one before it, so for every light/heavy pair
//! either the reader's store before `light` is visible to the writer after `heavy`, or
//! the reader's load after `light` sees what the writer stored before `heavy`: the
//! guarantee of `membarrier`, whichever point of the reader's code its fence hits. The
//! light side gives nothing against a writer that does *not* call `heavy`, as in the
//! shipped code (a compiler fence). Modelling `light` as a `SeqCst` fence instead, the
//! usual stand-in, is stronger than the shipped code: it also orders the reader against
//! every `SeqCst` fence of a writer that skipped `heavy` (loom's [`dekker`]), and
//! so hid a lost wake-up (see `RawLock::drain`).

/// The reader side: orders the preceding store before the following load, provided
/// the other side uses [`heavy`].
#[inline(always)]
pub(crate) fn light() {
    #[cfg(not(singleton_loom))]
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    #[cfg(singleton_loom)]
    model::BARRIER.fetch_add(0, std::sync::atomic::Ordering::AcqRel);
}

/// Under loom: the word both sides of the modelled asymmetric pair update.
#[cfg(singleton_loom)]
mod model {
    loom::lazy_static! {
        pub(super) static ref BARRIER: loom::sync::atomic::AtomicUsize =
            loom::sync::atomic::AtomicUsize::new(0);
    }
}

/// The writer side: returns `Ok` once every thread of the process has executed a full
/// fence. Only called when [`available`] said so. Transient failures (`EINTR`, and
/// `ENOMEM` on kernels that allocate a CPU mask per call) are retried; `Err(errno)`
/// means no fence happened, and the caller must not proceed as if it had.
#[cold]
pub(crate) fn heavy() -> Result<(), i32> {
    #[cfg(all(not(singleton_loom), target_os = "linux"))]
    {
        let mut errno = 0;
        for attempt in 0..16 {
            // SAFETY: `membarrier` takes three integers and touches no memory of ours.
            let done = unsafe { libc::syscall(libc::SYS_membarrier, PRIVATE_EXPEDITED, 0, 0) };
            if done == 0 {
                return Ok(());
            }
            errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            if errno != libc::EINTR && errno != libc::ENOMEM && errno != libc::EAGAIN {
                break;
            }
            if attempt > 4 {
                std::thread::yield_now();
            }
        }
        Err(errno)
    }
    #[cfg(singleton_loom)]
    {
        // The caller's own full fence, then the hand-shake with every reader's `light`.
        loom::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        model::BARRIER.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Ok(())
    }
    #[cfg(all(not(singleton_loom), not(target_os = "linux")))]
    {
        // `available` is false here, so this is never called.
        Err(0)
    }
}

#[cfg(all(not(singleton_loom), target_os = "linux"))]
const QUERY: libc::c_long = 0;
#[cfg(all(not(singleton_loom), target_os = "linux"))]
const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
#[cfg(all(not(singleton_loom), target_os = "linux"))]
const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

/// Whether [`heavy`] works in this process (registering for it on first call).
#[inline]
pub(crate) fn available() -> bool {
    #[cfg(all(not(singleton_loom), target_os = "linux"))]
    {
        use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
        const UNKNOWN: u8 = 0;
        const YES: u8 = 1;
        const NO: u8 = 2;
        static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);
        // Miri cannot execute `membarrier`: there, reads take the counted path, which
        // is what Miri then checks.
        if cfg!(miri) {
            return false;
        }
        match STATE.load(Relaxed) {
            YES => true,
            NO => false,
            _ => {
                let yes = register();
                STATE.store(if yes { YES } else { NO }, Relaxed);
                yes
            }
        }
    }
    #[cfg(all(not(singleton_loom), not(target_os = "linux")))]
    {
        false
    }
    #[cfg(singleton_loom)]
    {
        true
    }
}

#[cfg(all(not(singleton_loom), target_os = "linux"))]
#[cold]
fn register() -> bool {
    // SAFETY: as in `heavy`.
    let supported = unsafe { libc::syscall(libc::SYS_membarrier, QUERY, 0, 0) };
    if supported < 0 || supported & PRIVATE_EXPEDITED == 0 {
        return false;
    }
    // SAFETY: as in `heavy`. Registering twice (two threads racing here) is harmless.
    unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 }
}

/// Marks a store-then-load hand-shake made of `SeqCst` accesses (a reader's `fetch_add`
/// then its load of the state; a writer's CAS then its loads of the slots). The `SeqCst`
/// accesses alone order it, so this is free; under loom it is a `SeqCst` fence, because
/// loom treats `SeqCst` accesses as `AcqRel` (tokio-rs/loom#180) and would otherwise
/// report executions that cannot happen.
#[inline(always)]
pub(crate) fn dekker() {
    #[cfg(singleton_loom)]
    loom::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
}
