//! The rule for each kind of global: which shapes of use make it a singleton, a
//! once-flag, a guarded global or an mtime cache, and the reason given for each.

use super::{Context, fine, is_scalar, migrate, verdict};
use crate::inventory::Global;
use crate::model::{Level, Verdict};

pub(super) fn static_mut(global: &Global, cx: &Context<'_>, ffi: bool) -> Verdict {
    let name = global.name.as_str();
    if ffi {
        verdict(
            Level::Risky,
            "static-mut-ffi",
            None,
            "a `static mut` exported by symbol: foreign code reads or writes it, so it cannot \
             be wrapped; every Rust access is `unsafe` and unsynchronised. Keep the accesses in \
             one module, behind one documented synchronisation"
                .into(),
        )
    } else if (cx.usage.set_in_call_once(name) && !is_scalar(&global.ty))
        || (lazy_shape(&global.ty) && cx.usage.filled_on_first_use.contains(name))
    {
        verdict(
            Level::Risky,
            "static-mut-singleton",
            Some("#[singleton]"),
            "a `static mut` filled once (an `Option` or pointer set on first use, or inside \
                 `Once::call_once`) and read everywhere is a hand-rolled singleton: two first \
                 callers can both build it, every read is `unsafe`, and a `&` to it is denied in \
                 edition 2024 (`static_mut_refs`). A `#[singleton] fn` builds the value once and \
                 hands every caller the same `&'static T`, with no `unsafe`"
                .into(),
        )
    } else {
        verdict(
            Level::Risky,
            "static-mut",
            Some("#[guarded_global]"),
            "every access to a `static mut` is `unsafe` and unsynchronised: two threads \
             touching it at once is a data race (undefined behaviour). `#[guarded_global]` \
             keeps a plain `static` and gives access only inside `read`/`write` closures, so \
             the lock cannot be forgotten"
                .into(),
        )
    }
}

pub(super) fn once_cell(calls: &dyn Fn(&str) -> bool) -> Verdict {
    if calls("get_or_try_init") {
        fallible()
    } else if calls("get_or_init") {
        migrate(
            "once-cell-get-or-init",
            "#[singleton]",
            "built with `get_or_init` where it is used: each use repeats (or must share) the \
             initialiser. A `#[singleton] fn` is the initialiser, written once; every caller \
             gets the same `&'static T` and waits for the first build"
                .into(),
        )
    } else {
        fine(
            "once-cell-set-once",
            "a write-once slot (set, then read): fine as is. If several places may set it, \
             `#[singleton]` names the one initialiser"
                .into(),
        )
    }
}

pub(super) fn atomic(flag: bool, ptr: bool, calls: &dyn Fn(&str) -> bool) -> Verdict {
    match (flag, ptr) {
        (true, _)
            if (calls("compare_exchange") || calls("compare_exchange_weak") || calls("swap"))
                && !calls("store") =>
        {
            once_flag("an `AtomicBool` flipped by `compare_exchange`/`swap` is a call-once flag")
        }
        (_, true)
            if calls("cas-from-null")
                && !calls("cas-from-value")
                && !calls("store")
                && !calls("swap") =>
        {
            migrate(
                "atomic-ptr-singleton",
                "#[singleton]",
                "an `AtomicPtr` filled by compare-and-swap on first use is a hand-rolled lazy \
                 singleton: the race's loser must free its allocation and every read \
                 dereferences a raw pointer. A `#[singleton] fn` does the same with no \
                 `unsafe`"
                    .into(),
            )
        }
        _ => fine(
            "atomic",
            "an atomic is already synchronised: each access is one atomic operation".into(),
        ),
    }
}

pub(super) fn once(name: &str, cx: &Context<'_>, calls: &dyn Fn(&str) -> bool) -> Verdict {
    if calls("call_once") || calls("call_once_force") {
        let touched = cx.usage.call_once_touches.get(name);
        let holder = touched.and_then(|t| {
            t.iter().find(|n| {
                n.as_str() != name && (cx.value_static_muts.contains(*n) || cx.atomics.contains(*n))
            })
        });
        if let Some(holder) = holder {
            migrate(
                "once-singleton",
                "#[singleton]",
                format!(
                    "this `Once` computes a value into `{holder}` in `call_once`: together \
                         they are a hand-rolled singleton; a `#[singleton] fn` returning the \
                         value replaces both"
                ),
            )
        } else {
            once_flag("a `Once` running a side effect once is a call-once flag")
        }
    } else {
        fine(
            "once",
            "a `Once` that is never run here (only queried): fine as is".into(),
        )
    }
}

pub(super) fn env_write(name: &str, in_main: bool) -> Verdict {
    if in_main {
        migrate(
            "env-write-in-main",
            "read once into a #[singleton] config",
            format!(
                "`{name}` in `main` is sound only while no other thread exists (any thread may \
                 read the environment through libc). Keep it first in `main`, or better, read \
                 the variable once into a `#[singleton]` config and give child processes \
                 theirs with `Command::env`"
            ),
        )
    } else {
        verdict(
            Level::Risky,
            "env-write",
            Some("read once into a #[singleton] config"),
            format!(
                "`{name}` while other threads run is undefined behaviour on Unix (another \
                 thread may be reading the environment through libc: DNS lookups, time \
                 zones), hence `unsafe` since edition 2024; a lock around it only orders the \
                 Rust callers that take it. Read the variable once into a `#[singleton]` \
                 config (tests override the config, not the process), set it before any \
                 thread starts, or give a child process its own with `Command::env`"
            ),
        )
    }
}

pub(super) fn thread_local() -> Verdict {
    fine(
        "thread-local",
        "one value per thread: no other thread sees it, so it needs no lock; fine as is \
         (`#[singleton(scope = thread)]` is the planned attribute for a lazily built \
         per-thread value)"
            .into(),
    )
}

pub(super) fn fallible() -> Verdict {
    migrate(
        "fallible-lazy",
        "#[singleton] fn -> Result",
        "a lazily built value whose initialisation can fail: a lazy `Result` keeps the first \
         error forever, and `get_or_try_init` repeats the initialiser at each use. A \
         `#[singleton] fn name() -> Result<T, E>` stores only a success; after an `Err` the \
         next call tries again"
            .into(),
    )
}

fn once_flag(what: &str) -> Verdict {
    migrate(
        "once-flag",
        "#[init_once]",
        format!(
            "{what}: `#[init_once]` on the fn that does the work runs its body exactly once, \
             refuses a concurrent or later call with an error naming the first caller, and \
             leaves no flag to keep in step with the work"
        ),
    )
}

/// `Option<..>` or a raw pointer: the shapes of a `static mut` filled on first use.
fn lazy_shape(ty: &str) -> bool {
    ty.starts_with("Option<") || ty.starts_with("*const") || ty.starts_with("*mut")
}

pub(super) fn is_result(ty: &str) -> bool {
    let head = ty.split('<').next().unwrap_or("");
    head == "Result" || head.ends_with("::Result")
}

pub(super) fn lock(global: &Global, inner: &str, cx: &Context<'_>) -> Verdict {
    let inner = inner.trim();
    if inner == "()" {
        return fine(
            "lock-without-data",
            "a lock with no data serialises a section of code (for example tests that touch \
             shared state); nothing to migrate unless the data it protects lives in another \
             global, which then belongs behind `#[guarded_global]`"
                .into(),
        );
    }
    if inner.contains("SystemTime") || cx.usage.near_mtime.contains(&global.name) {
        return migrate(
            "mtime-cache",
            "#[invalidating_cache]",
            "a value cached under a lock and reloaded when a file's modification time \
             changes: `#[invalidating_cache(path = ...)]` on the loader fn does this with one \
             `stat` per interval instead of per call, and a hit takes no lock"
                .into(),
        );
    }
    if inner.starts_with("Option<") && cx.usage.filled_on_first_use.contains(&global.name) {
        return migrate(
            "lock-option-singleton",
            "#[singleton]",
            "a lock around an `Option` filled on first use is a hand-rolled (double-checked) \
             singleton: every read takes the lock. A `#[singleton] fn` builds the value once; \
             later reads are one atomic load"
                .into(),
        );
    }
    if inner == "bool" {
        return once_flag("a `bool` under a lock recording that something ran is a call-once flag");
    }
    migrate(
        "lock-to-guarded-global",
        "#[guarded_global]",
        format!(
            "a `{inner}` shared behind a lock: `#[guarded_global]` keeps a plain `static` \
             reached only inside `read`/`write` closures (no guard to forget, hold across \
             `.await` or leak), reads run in parallel, a nested read works, and a second \
             write on the same thread panics naming the global instead of deadlocking"
        ),
    )
}
