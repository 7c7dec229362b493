//! Per-thread bookkeeping: which guarded globals this thread holds, and how; and the
//! thread's reader slot.
//!
//! This is what makes reentrancy safe: a read nested in a read of the same global
//! passes without touching the lock (the outer read already keeps writers out), and
//! any access nested in a write, or a write nested in any access, is refused with a
//! panic before it could deadlock or alias a `&mut`.
//!
//! The held globals form an intrusive stack of [`Frame`]s that live in the stack frames
//! of the accesses themselves, so that the common case (nothing held yet) costs two
//! thread-local stores and no allocation. Frames are nested: each is linked on entry
//! and unlinked by a guard in the same function, also when unwinding.
//!
//! Nested *per OS thread*, though, which a stack-switching coroutine inside a closure
//! breaks (coroutine A reads `X`, B reads `Y` on the same thread, A finishes first):
//! unlinking `X` then would leave the innermost pointer aimed at a dead stack frame.
//! So [`leave`] checks that its frame is the innermost, in every build. A mismatch
//! cannot panic there (it runs in a `Drop`, maybe during unwinding); it marks the
//! thread's stack [`BROKEN`] instead, remembering which global was released out of
//! order, and the next access on the thread, finding a non-empty stack, takes its cold
//! path, which reports it by a panic naming that global. No pointer is followed once
//! the order broke: a stack marked broken is never walked, and it can only be reached
//! again through frames linked after the report.
//!
//! Cost: the check is a compare and a branch to a cold function that never unwinds;
//! not measurable in the `compare` bench (issue 7 closing note). An earlier attempt
//! (a release `assert!`, then a branch to a cold panicking fn) made every read about
//! 3x slower; the cause was not the branch but the access's drop glue, which the
//! larger `leave` pushed over the inliner's threshold, so each read called it out of
//! line. Accesses are now released by `#[inline(always)]` methods
//! (`access::ReadAccess::release`), and `Drop` is left to the unwinding path.

use std::cell::Cell;
use std::ptr;

use super::error::Name;
use super::order::{self, OrderId};
use super::raw::{Reader, SLOTS};

/// How a global is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Write,
    /// Its initialiser is running.
    Init,
}

/// One access in progress on this thread; lives on the stack of `read`/`write`.
pub(crate) struct Frame {
    /// Address of the global: identifies it while it is held.
    key: usize,
    mode: Cell<Mode>,
    name: Name,
    order: *const OrderId,
    /// A read nested in a read of the same global: holds no lock of its own.
    nested: Cell<bool>,
    prev: Cell<*const Frame>,
}

impl Frame {
    #[inline]
    pub(crate) fn new(key: usize, name: Name, mode: Mode, order: &OrderId) -> Self {
        Self {
            key,
            mode: Cell::new(mode),
            name,
            order,
            nested: Cell::new(false),
            prev: Cell::new(ptr::null()),
        }
    }

    /// Changes how the global is held (a write or read building the value first).
    pub(crate) fn set_mode(&self, mode: Mode) {
        self.mode.set(mode);
    }
}

/// This thread's reader slot: `index < SLOTS` owned, else shared (index - SLOTS).
const UNASSIGNED: usize = usize::MAX;

/// After this many counted reads, a thread tries to turn bias back on.
const REBIAS_AFTER: u32 = 1024;

/// `ThreadCtx::top` after a release out of order: never a frame's address (frames are
/// aligned), never followed.
const BROKEN: *const Frame = ptr::without_provenance(1);

struct ThreadCtx {
    /// The innermost frame, null, or [`BROKEN`].
    top: Cell<*const Frame>,
    /// The global first released out of order since the last report.
    misordered: Cell<Option<Name>>,
    slot: Cell<usize>,
    counted: Cell<u32>,
}

impl ThreadCtx {
    const fn new() -> Self {
        Self {
            top: Cell::new(ptr::null()),
            misordered: Cell::new(None),
            slot: Cell::new(UNASSIGNED),
            counted: Cell::new(0),
        }
    }

    #[inline(always)]
    fn slot(&self) -> usize {
        let slot = self.slot.get();
        if slot != UNASSIGNED {
            return slot;
        }
        self.claim()
    }

    #[cold]
    #[inline(never)]
    fn claim(&self) -> usize {
        let slot = slots::claim();
        self.slot.set(slot);
        slot
    }
}

// No destructor: always accessible, also from other thread-locals' destructors.
#[cfg(not(singleton_loom))]
std::thread_local! {
    static CTX: ThreadCtx = const { ThreadCtx::new() };
}

#[cfg(singleton_loom)]
loom::thread_local! {
    static CTX: ThreadCtx = ThreadCtx::new();
}

/// What `enter` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entered {
    /// Not held before: take the lock in this slot.
    Fresh(Reader),
    /// A read nested in a read of the same global: do not touch the lock.
    Nested,
}

/// This thread's context, for the current call only.
///
/// A reference rather than `CTX.with(|ctx| ...)`, so that `#[track_caller]` reaches the
/// panics below: a closure would cut the chain of caller locations (closures cannot be
/// `#[track_caller]` on stable Rust), and the panics would point here instead of at
/// the user's call.
#[inline(always)]
fn ctx<'a>() -> Option<&'a ThreadCtx> {
    CTX.try_with(ptr::from_ref).ok().map(|ctx| {
        // SAFETY: `CTX` has no destructor (`ThreadCtx` needs no drop), so its storage
        // lives as long as this thread; the reference is `!Send` and every caller uses
        // it only within the current call on this thread, never storing it.
        unsafe { &*ctx }
    })
}

/// Links `frame` as the innermost access of this thread, after checking that it may be
/// taken: panics (naming the global and the fix, at the caller's location) if this
/// would deadlock or alias, and, when lock-order tracking is on, if it inverts an order
/// seen before.
///
/// # Safety
///
/// `frame` must stay where it is until [`leave`] unlinks it, and `leave` must run
/// before `frame` is dropped, also when unwinding (use [`Linked`]).
#[inline(always)]
#[track_caller]
pub(crate) unsafe fn enter(frame: &Frame) -> Entered {
    // Not reachable for a destructor-less thread-local, but if it were: take the lock
    // plainly, in a shared slot.
    let Some(ctx) = ctx() else {
        return Entered::Fresh(Reader {
            slot: 0,
            owned: false,
        });
    };
    let top = ctx.top.get();
    let entered = if top.is_null() {
        Entered::Fresh(slot_of(ctx.slot()))
    } else {
        enter_nested(frame, top, ctx)
    };
    frame.prev.set(top);
    ctx.top.set(frame);
    entered
}

/// As [`enter`], for a look that must neither panic nor record anything (`Debug`):
/// `None` if this thread holds the value in a way a read cannot nest in.
///
/// # Safety
///
/// As [`enter`].
pub(crate) unsafe fn enter_quietly(frame: &Frame) -> Option<Entered> {
    let ctx = ctx()?;
    let top = ctx.top.get();
    let mut outer = top;
    let mut entered = None;
    while !outer.is_null() && outer != BROKEN {
        // SAFETY: every linked frame is alive (see `enter_nested`).
        let h = unsafe { &*outer };
        if h.key == frame.key {
            if h.mode.get() != Mode::Read {
                return None;
            }
            frame.nested.set(true);
            entered = Some(Entered::Nested);
            break;
        }
        outer = h.prev.get();
    }
    frame.prev.set(top);
    ctx.top.set(frame);
    Some(entered.unwrap_or_else(|| Entered::Fresh(slot_of(ctx.slot()))))
}

fn slot_of(raw: usize) -> Reader {
    if raw < SLOTS {
        Reader {
            slot: raw,
            owned: true,
        }
    } else {
        Reader {
            slot: raw - SLOTS,
            owned: false,
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn enter_nested(frame: &Frame, top: *const Frame, ctx: &ThreadCtx) -> Entered {
    if top == BROKEN {
        report_misordered(ctx, frame.name);
    }
    let mut outer = top;
    // Only lock-order tracking needs the list of held globals; without it, nothing is
    // collected (no allocation on a nested access).
    let mut held = Vec::new();
    while !outer.is_null() {
        // SAFETY: every linked frame is alive: frames unlink (in `Linked::drop`) before
        // they are dropped, and a frame unlinked while not the innermost marks the
        // stack `BROKEN` (checked above) instead of leaving a pointer to it behind.
        let h = unsafe { &*outer };
        if h.key == frame.key {
            let outer_mode = h.mode.get();
            if frame.mode.get() == Mode::Read && outer_mode == Mode::Read {
                frame.nested.set(true);
                return Entered::Nested;
            }
            reentry_panic(frame.name, frame.mode.get(), outer_mode);
        }
        if order::ENABLED {
            held.push(h);
        }
        outer = h.prev.get();
    }
    if order::ENABLED {
        // SAFETY: a frame's `order` points into its global, which outlives the frame.
        let taken = unsafe { &*frame.order }.get();
        let held: Vec<(usize, Name)> = held
            .iter()
            .filter(|h| !h.nested.get())
            .map(|h| {
                // SAFETY: as above.
                (unsafe { &*h.order }.get(), h.name)
            })
            .collect();
        order::check(&held, taken, frame.name);
    }
    Entered::Fresh(slot_of(ctx.slot()))
}

/// Unlinks `frame`, which should be this thread's innermost access; if it is not (a
/// stack-switching coroutine), marks the stack broken, for the next access to report.
/// Never panics: it runs in the `Drop` of every access.
#[inline(always)]
pub(crate) fn leave(frame: &Frame) {
    if let Some(ctx) = ctx() {
        if ptr::eq(ctx.top.get(), frame) {
            ctx.top.set(frame.prev.get());
        } else {
            released_out_of_order(ctx, frame.name);
        }
    }
}

/// `name`'s frame was released while not the innermost one: forget every frame (some
/// may be gone, and none is followed again), and remember the first such global.
#[cold]
#[inline(never)]
fn released_out_of_order(ctx: &ThreadCtx, name: Name) {
    ctx.top.set(BROKEN);
    if ctx.misordered.get().is_none() {
        ctx.misordered.set(Some(name));
    }
}

/// The first access after a release out of order: report it, and start the thread's
/// stack afresh, so that the thread can go on once the panic is handled (accesses
/// still running from before the report are no longer known: a write nested in one of
/// them is not refused, but nothing dangling is ever followed).
#[cold]
#[track_caller]
fn report_misordered(ctx: &ThreadCtx, now: Name) -> ! {
    ctx.top.set(ptr::null());
    let name = ctx
        .misordered
        .take()
        .map_or_else(|| "a guarded value".to_owned(), |n| n.to_string());
    panic!(
        "{name} was released out of order on this thread (while an access \
         taken after it was still running), so this thread's record of held globals was \
         lost; the access to `{}` is refused. Accesses on one thread must nest: this \
         happens when a stack-switching coroutine (or a fiber library) switches away inside \
         a `read`/`write` closure and another one accesses a guarded global; finish the \
         closure before switching",
        now.text
    )
}

/// Unlinks its frame when dropped.
pub(crate) struct Linked<'a>(pub(crate) &'a Frame);

impl Drop for Linked<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        leave(self.0);
    }
}

/// For the wait-for graph, when this thread is about to wait for `key`: the name of
/// the global `key` if this thread is taking it, and the guarded globals it holds (see
/// `crate::waits`: lock holds are published only by threads that wait). Cold: it runs
/// only before a thread sleeps.
#[cold]
pub(crate) fn wait_context(key: usize) -> (Option<&'static str>, Vec<crate::waits::Resource>) {
    use crate::waits::{Access, Resource};
    CTX.try_with(|ctx| {
        let mut name = None;
        let mut held: Vec<Resource> = Vec::new();
        let mut frame = ctx.top.get();
        // A `BROKEN` stack is never walked (see the module docs).
        while !frame.is_null() && frame != BROKEN {
            // SAFETY: every linked frame is alive (see `enter_nested`).
            let f = unsafe { &*frame };
            // A read holds it shared; a write or a build, alone (also under a read
            // nested in it: the outermost frame decides).
            let access = match f.mode.get() {
                Mode::Read => Access::Shared,
                Mode::Write | Mode::Init => Access::Exclusive,
            };
            if f.key == key {
                name = Some(f.name.text);
            } else if let Some(known) = held.iter_mut().find(|r| r.key == f.key) {
                if access == Access::Exclusive {
                    known.access = access;
                }
            } else {
                held.push(Resource::named(f.key, f.name.kind(), f.name.text).with_access(access));
            }
            frame = f.prev.get();
        }
        (name, held)
    })
    .unwrap_or_default()
}

/// The guarded value this thread is taking under `key`, if it is (for the wait-for
/// graph: its name and kind). Cold: only before a thread sleeps.
#[cold]
pub(crate) fn taking(key: usize) -> Option<Name> {
    CTX.try_with(|ctx| {
        let mut frame = ctx.top.get();
        while !frame.is_null() && frame != BROKEN {
            // SAFETY: every linked frame is alive (see `enter_nested`).
            let f = unsafe { &*frame };
            if f.key == key {
                return Some(f.name);
            }
            frame = f.prev.get();
        }
        None
    })
    .ok()
    .flatten()
}

/// Counts a read that took the counted path; every `REBIAS_AFTER` of them, returns
/// true: time to try turning bias back on.
#[inline]
pub(crate) fn counted_read() -> bool {
    CTX.try_with(|ctx| {
        let n = ctx.counted.get() + 1;
        if n >= REBIAS_AFTER {
            ctx.counted.set(0);
            true
        } else {
            ctx.counted.set(n);
            false
        }
    })
    .unwrap_or(false)
}

#[cold]
#[track_caller]
fn reentry_panic(label: Name, wanted: Mode, outer: Mode) -> ! {
    let name = label.text;
    match (wanted, outer) {
        (_, Mode::Init) => panic!(
            "{label}: its initialiser accessed `{name}` itself (directly or \
             through other code), which cannot work (the value does not exist yet); build \
             the value without reading it"
        ),
        (Mode::Write | Mode::Init, Mode::Read) => panic!(
            "{label}: `write` requested while this thread holds `{name}` in a \
             `read`, which would deadlock; return what you need from the `read` and write \
             after it, or do the whole check-and-change inside one `write`"
        ),
        (_, Mode::Write) => panic!(
            "{label}: accessed while this thread holds `{name}` in a `write`, \
             which would deadlock; use the `&mut` value the outer `write` already gives you"
        ),
        (Mode::Read, Mode::Read) => unreachable!("nested reads are allowed"),
    }
}

/// Hands out reader slots: each thread owns one of `SLOTS` while it lives (so that its
/// biased reads can use plain stores), or, when all are taken, shares a counted one.
#[cfg(not(singleton_loom))]
mod slots {
    use std::cell::Cell;
    use std::sync::atomic::{
        AtomicU64, AtomicUsize,
        Ordering::{AcqRel, Relaxed},
    };

    use super::{CTX, SLOTS, UNASSIGNED};

    /// Bit `i` set: slot `i` is owned by a live thread.
    static TAKEN: AtomicU64 = AtomicU64::new(0);
    /// Round-robin for shared slots.
    static SHARED: AtomicUsize = AtomicUsize::new(0);

    /// Frees the owned slot when the thread exits.
    struct Owner(Cell<usize>);

    impl Drop for Owner {
        fn drop(&mut self) {
            let slot = self.0.get();
            if slot < SLOTS {
                // From now on this thread reads through a shared counted slot, so that
                // the next owner of `slot` never sees this thread's stores.
                let _ = CTX.try_with(|ctx| ctx.slot.set(SLOTS + slot));
                TAKEN.fetch_and(!(1 << slot), AcqRel);
            }
        }
    }

    std::thread_local! {
        static OWNER: Owner = const { Owner(Cell::new(UNASSIGNED)) };
    }

    #[cold]
    pub(super) fn claim() -> usize {
        let mut taken = TAKEN.load(Relaxed);
        loop {
            let free = (!taken).trailing_zeros() as usize;
            if free >= SLOTS {
                break;
            }
            match TAKEN.compare_exchange_weak(taken, taken | (1 << free), AcqRel, Relaxed) {
                Ok(_) => {
                    // Without a destructor slot we could not give the slot back: share.
                    if OWNER.try_with(|owner| owner.0.set(free)).is_ok() {
                        return free;
                    }
                    TAKEN.fetch_and(!(1 << free), AcqRel);
                    break;
                }
                Err(now) => taken = now,
            }
        }
        SLOTS + SHARED.fetch_add(1, Relaxed) % SLOTS
    }
}

/// Under loom: a per-execution counter (loom resets its statics between executions),
/// so that slot assignment is deterministic; the first `SLOTS` model threads own one.
#[cfg(singleton_loom)]
mod slots {
    use super::SLOTS;
    use crate::sync::{AtomicUsize, Ordering::Relaxed};

    loom::lazy_static! {
        static ref NEXT: AtomicUsize = AtomicUsize::new(0);
    }

    pub(super) fn claim() -> usize {
        let n = NEXT.fetch_add(1, Relaxed);
        if n < SLOTS { n } else { SLOTS + n % SLOTS }
    }
}
