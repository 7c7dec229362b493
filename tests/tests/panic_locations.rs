//! Every runtime panic a user can trigger points at the user's call, not at a line of
//! `singleton-runtime` (issue 9): write while holding, read inside a write, lock-order
//! inversion, poisoned access, init cycles (a singleton, an `#[init_once]` fn, a guarded
//! global's initialiser), a loader that needs its own cache.
//!
//! A panic hook records `PanicHookInfo::location()` on the panicking thread; each
//! scenario marks the line of the offending call with [`next_line_panics`] (itself
//! `#[track_caller]`), and the test checks that the panic's location is this file at
//! that line. Each scenario runs on a thread of its own under a timeout.

mod support;

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Once;

use singleton_runtime::{guarded_global, init_once, invalidating_cache, singleton};
use support::{DEADLOCK_TIMEOUT, within};

/// Where a panic was reported, and where the scenario said it should be.
#[derive(Debug)]
struct Caught {
    file: String,
    line: u32,
    message: String,
    expected_line: u32,
}

thread_local! {
    /// Set while a scenario runs on this thread: its panics are recorded, not printed.
    static EXPECTING: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<(String, u32, String)>> = const { RefCell::new(None) };
    static EXPECTED_LINE: Cell<u32> = const { Cell::new(0) };
}

fn install_hook() {
    // singleton-audit: allow(test instrumentation: the panic hook is installed once per test binary)
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXPECTING.get() {
                default(info);
                return;
            }
            let message = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| {
                    info.payload()
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                })
                .unwrap_or_default();
            let (file, line) = info
                .location()
                .map_or((String::new(), 0), |at| (at.file().to_owned(), at.line()));
            // The first panic of the scenario is the one under test.
            LAST.with_borrow_mut(|last| {
                last.get_or_insert((file, line, message));
            });
        }));
    });
}

/// Marks the line after the call as the one whose call must be blamed.
#[track_caller]
fn next_line_panics() {
    EXPECTED_LINE.set(Location::caller().line() + 1);
}

/// Runs `scenario` on a thread of its own (under a timeout) and returns where its
/// first panic was reported; fails if it did not panic.
fn caught(name: &str, scenario: impl FnOnce() + Send + 'static) -> Caught {
    install_hook();
    within(name, DEADLOCK_TIMEOUT, move || {
        EXPECTING.set(true);
        let outcome = catch_unwind(AssertUnwindSafe(scenario));
        EXPECTING.set(false);
        assert!(outcome.is_err(), "the scenario was expected to panic");
        let (file, line, message) = LAST.take().expect("the hook saw the panic");
        Caught {
            file,
            line,
            message,
            expected_line: EXPECTED_LINE.get(),
        }
    })
}

/// The panic points at the marked line of this file, and says `what`.
fn assert_blames_the_caller(caught: &Caught, what: &str) {
    assert!(caught.message.contains(what), "{caught:#?}");
    assert_ne!(caught.expected_line, 0, "the scenario marks its line");
    assert_eq!(
        (caught.file.as_str(), caught.line),
        (file!(), caught.expected_line),
        "{caught:#?}"
    );
}

#[guarded_global]
static HELD_FOR_WRITE: u32 = 0;

#[test]
fn a_write_while_holding_points_at_the_write() {
    let caught = caught("write while holding", || {
        HELD_FOR_WRITE.read(|_| {
            next_line_panics();
            HELD_FOR_WRITE.write(|v| *v += 1);
        });
    });
    assert_blames_the_caller(&caught, "`write` requested while this thread holds");
}

#[guarded_global]
static HELD_FOR_READ: u32 = 0;

#[test]
fn a_read_inside_a_write_points_at_the_read() {
    let caught = caught("read inside write", || {
        HELD_FOR_READ.write(|_| {
            next_line_panics();
            HELD_FOR_READ.read(|v| *v);
        });
    });
    assert_blames_the_caller(&caught, "accessed while this thread holds");
}

#[guarded_global]
static FIRST: u32 = 1;
#[guarded_global]
static SECOND: u32 = 2;

#[cfg(any(debug_assertions, feature = "lock-order"))]
#[test]
fn a_lock_order_inversion_points_at_the_inverting_access() {
    let caught = caught("lock order inversion", || {
        FIRST.read(|_| SECOND.read(|_| ()));
        SECOND.read(|_| {
            next_line_panics();
            FIRST.read(|_| ());
        });
    });
    assert_blames_the_caller(&caught, "lock order inversion");
}

#[guarded_global]
static POISONED: Vec<u32> = Vec::new();

#[test]
fn a_poisoned_access_points_at_the_access() {
    let poisoning = std::thread::spawn(|| {
        let _ = catch_unwind(|| POISONED.write(|_| panic!("half-way")));
    });
    assert!(poisoning.join().is_ok());
    let read = caught("poisoned read", || {
        next_line_panics();
        POISONED.read(Vec::len);
    });
    assert_blames_the_caller(&read, "is poisoned");
    let write = caught("poisoned write", || {
        next_line_panics();
        POISONED.write(|v| v.push(1));
    });
    assert_blames_the_caller(&write, "is poisoned");
}

#[singleton]
fn needs_itself() -> u32 {
    next_line_panics();
    *needs_itself() + 1
}

#[test]
fn a_singleton_init_cycle_points_at_the_inner_call() {
    let caught = caught("singleton init cycle", || {
        needs_itself();
    });
    assert_blames_the_caller(&caught, "singleton init cycle");
}

#[init_once]
fn set_up_twice() {
    next_line_panics();
    let _ = set_up_twice();
}

#[test]
fn an_init_once_fn_calling_itself_points_at_the_inner_call() {
    let caught = caught("init_once recursion", || {
        let _ = set_up_twice();
    });
    assert_blames_the_caller(
        &caught,
        "called again from inside its own #[init_once] body",
    );
}

/// The initialiser reads the global it builds (through a fn, so the line is known).
#[guarded_global]
static BUILT_FROM_ITSELF: u32 = built_from_itself();

fn built_from_itself() -> u32 {
    next_line_panics();
    BUILT_FROM_ITSELF.read(|v| *v) + 1
}

#[test]
fn a_guarded_initialiser_reading_its_global_points_at_the_read() {
    let caught = caught("guarded init cycle", || {
        BUILT_FROM_ITSELF.read(|v| *v);
    });
    assert_blames_the_caller(
        &caught,
        "its initialiser accessed `BUILT_FROM_ITSELF` itself",
    );
}

fn merged_path() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("singleton-panic-locations-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("merged.txt");
    std::fs::write(&path, "x").unwrap();
    path
}

#[invalidating_cache(path = merged_path())]
fn merged(path: &Path) -> Result<String, String> {
    next_line_panics();
    let previous = merged().ok();
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    Ok(format!(
        "{text}{}",
        previous.map(|p| (*p).clone()).unwrap_or_default()
    ))
}

#[test]
fn a_loader_that_needs_its_own_cache_points_at_the_inner_call() {
    let caught = caught("re-entrant cache", || {
        let _ = merged();
    });
    assert_blames_the_caller(
        &caught,
        "invalidating cache `merged`: asked for its own cache",
    );
}

// `Guarded<T>` fields: the same chain of `#[track_caller]`, through the shared core.

#[test]
fn a_field_write_while_holding_points_at_the_write() {
    let caught = caught("field write while holding", || {
        let field = singleton_runtime::Guarded::new("Registry.items", vec![1_u32]);
        field.read(|_| {
            next_line_panics();
            field.write(Vec::clear);
        });
    });
    assert_blames_the_caller(
        &caught,
        "guarded field `Registry.items`: `write` requested while this thread holds",
    );
}

#[test]
fn a_poisoned_field_points_at_the_access() {
    let caught = caught("poisoned field", || {
        let field = singleton_runtime::Guarded::new("Registry.totals", 0_u32);
        let _ = catch_unwind(AssertUnwindSafe(|| field.write(|_| panic!("half-way"))));
        LAST.take(); // the closure's own panic is not the one under test
        next_line_panics();
        field.snapshot();
    });
    assert_blames_the_caller(&caught, "guarded field `Registry.totals` is poisoned");
}
