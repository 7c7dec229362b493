//! `#[invalidating_cache]` under adversarial review: each test here failed before the
//! fix it guards (see the commit that added it). Real files, real threads, timeouts.

// `Duration::from_mins`/`from_hours` are newer than the workspace's MSRV (1.85).
#![allow(clippy::duration_suboptimal_units)]

mod support;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Wake, Waker};

use std::time::Duration;

use singleton_runtime::{InvalidatingCache, LoadContext, invalidating_cache};
use support::{DEADLOCK_TIMEOUT, outcome_within, panic_message, within};

/// A check interval long enough that only the watcher can pick a change up.
const HOUR: Duration = Duration::from_secs(3600);

/// `<temp dir>/review-<name>/config.txt`, written with `text`.
fn setup(name: &str, text: &str) -> PathBuf {
    let path = fixture(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn fixture(name: &str) -> PathBuf {
    support::temp_root()
        .join(format!("review-{name}"))
        .join("config.txt")
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// The panic messages among two threads' outcomes.
fn panic_messages<A, B>(a: &std::thread::Result<A>, b: &std::thread::Result<B>) -> Vec<String> {
    [a.as_ref().err(), b.as_ref().err()]
        .into_iter()
        .flatten()
        .map(|p| panic_message(&**p))
        .collect()
}

// ---------------------------------------------------------------------------------
// `recv_timeout(Duration::MAX)`, "wait as long as it takes", as with
// `std::sync::mpsc::Receiver::recv_timeout`: panicked ("overflow when adding duration
// to instant") before.

#[invalidating_cache(path = fixture("forever"))]
fn forever_cfg(path: &Path) -> Result<String, String> {
    read(path)
}

#[test]
fn recv_timeout_with_duration_max_waits_for_the_reload() {
    let path = setup("forever", "one");
    forever_cfg().unwrap();
    let (subscribed, ready) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let mut reloads = forever_cfg::subscribe();
        subscribed.send(()).unwrap();
        reloads
            .recv_timeout(Duration::MAX)
            .map(|(text, generation)| ((*text).clone(), generation))
    });
    ready.recv().unwrap();
    std::fs::write(&path, "two").unwrap();
    forever_cfg::reload().unwrap();
    let got = within("recv_timeout(MAX)", DEADLOCK_TIMEOUT, move || {
        waiter.join().map_err(|p| panic_message(&*p))
    });
    assert_eq!(got, Ok(Some(("two".to_owned(), 2))));
}

// ---------------------------------------------------------------------------------
// `watch = true` and a `path` expression that asks for its own cache: the watcher was
// started (evaluating the path) before the single flight, inside a `OnceLock`'s
// initialiser, so the re-entry hung in that `OnceLock` instead of panicking with the
// cache's name as it does without `watch`.

fn watched_self_path() -> PathBuf {
    let _ = watched_self();
    fixture("watched-self")
}

#[invalidating_cache(path = watched_self_path(), watch = true)]
fn watched_self(path: &Path) -> Result<String, String> {
    read(path)
}

#[test]
fn with_watch_a_path_that_needs_its_own_cache_panics_naming_it() {
    setup("watched-self", "x");
    let outcome = outcome_within("watched re-entry", DEADLOCK_TIMEOUT, || {
        watched_self().is_ok()
    });
    let message = panic_message(&*outcome.expect_err("re-entry was not refused"));
    assert!(
        message.contains("invalidating cache `watched_self`")
            && message.contains("asked for its own cache while loading it"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------
// `recv_timeout` "waits at most `timeout`": it also looks at the file (`get`), which
// waited for another thread's first load, however long that took.

/// Open: the gated loader may finish.
// singleton-audit: allow(test instrumentation: a gate holding a loader until the test lets it go)
static GATE: Mutex<bool> = Mutex::new(false);
static GATE_OPENED: Condvar = Condvar::new();
static GATED_ENTERED: AtomicBool = AtomicBool::new(false);

/// Opens the gate when dropped, so that a failing test does not leave a loader stuck.
struct OpenGate;

impl Drop for OpenGate {
    fn drop(&mut self) {
        *GATE.lock().unwrap() = true;
        GATE_OPENED.notify_all();
    }
}

#[invalidating_cache(path = fixture("gated"))]
fn gated_cfg(path: &Path) -> Result<String, String> {
    GATED_ENTERED.store(true, SeqCst);
    let mut open = GATE.lock().unwrap();
    while !*open {
        open = GATE_OPENED.wait(open).unwrap();
    }
    drop(open);
    read(path)
}

#[test]
fn recv_timeout_does_not_wait_for_another_threads_slow_load() {
    setup("gated", "one");
    let open = OpenGate;
    let loader = std::thread::spawn(|| gated_cfg().map(|v| (*v).clone()));
    while !GATED_ENTERED.load(SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let outcome = outcome_within("recv_timeout(50 ms)", DEADLOCK_TIMEOUT / 2, || {
        gated_cfg::subscribe()
            .recv_timeout(Duration::from_millis(50))
            .is_some()
    });
    drop(open);
    assert_eq!(loader.join().unwrap().as_deref(), Ok("one"));
    assert_eq!(
        outcome.map_err(|p| panic_message(&*p)),
        Ok(false),
        "returned within its timeout while the load was still running"
    );
}

// ---------------------------------------------------------------------------------
// A guarded global whose `write` closure needs a cache whose loader reads that global,
// across two threads: reported (checked in review; passed as written).

#[singleton_runtime::guarded_global]
static SETTINGS: u32 = 1;

#[invalidating_cache(path = fixture("guarded-cycle"))]
fn needs_settings(path: &Path) -> Result<u32, String> {
    std::thread::sleep(Duration::from_millis(300));
    let text = read(path)?;
    Ok(u32::try_from(text.len()).unwrap() + SETTINGS.read(|s| *s))
}

#[test]
fn a_guarded_write_needing_a_cache_whose_loader_reads_the_global_is_reported() {
    setup("guarded-cycle", "abc");
    let loads = std::thread::spawn(|| {
        outcome_within("loads", DEADLOCK_TIMEOUT, || needs_settings().map(|v| *v))
    });
    std::thread::sleep(Duration::from_millis(100));
    let writes = std::thread::spawn(|| {
        outcome_within("writes", DEADLOCK_TIMEOUT, || {
            SETTINGS.write(|s| {
                *s += 1;
                needs_settings().map(|v| *v)
            })
        })
    });
    let (l, w) = (loads.join().unwrap(), writes.join().unwrap());
    let messages = panic_messages(&l, &w);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("needs_settings") && m.contains("SETTINGS")),
        "loads: {:?}, writes: {:?}, messages: {messages:?}",
        l.as_ref().ok(),
        w.as_ref().ok()
    );
}

// ---------------------------------------------------------------------------------
// A value whose `Drop` panics when a reload replaces it: the reload was stored, but
// the panic (from dropping the old value) skipped telling the subscribers, so a
// `changed()` future was never woken.

struct Bomb {
    text: String,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        assert!(
            self.text != "explodes when dropped" || std::thread::panicking(),
            "Bomb::drop"
        );
    }
}

#[invalidating_cache(path = fixture("bomb"))]
fn bomb_cfg(path: &Path) -> Result<Bomb, String> {
    read(path).map(|text| Bomb { text })
}

/// Counts its wakes.
struct CountWakes(AtomicU64);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_reload_whose_old_value_panics_in_drop_still_wakes_subscribers() {
    let path = setup("bomb", "explodes when dropped");
    drop(bomb_cfg().unwrap());
    let mut reloads = bomb_cfg::subscribe();
    let counter = Arc::new(CountWakes(AtomicU64::new(0)));
    let waker = Waker::from(Arc::clone(&counter));
    let mut cx = Context::from_waker(&waker);
    let mut changed = std::pin::pin!(reloads.changed());
    assert!(changed.as_mut().poll(&mut cx).is_pending());
    std::fs::write(&path, "two").unwrap();
    let reload = std::panic::catch_unwind(|| bomb_cfg::reload().map(|v| v.text.clone()));
    assert!(reload.is_err(), "the old value's drop panicked");
    assert_eq!(bomb_cfg::generation(), 2, "the new value was stored");
    assert_eq!(counter.0.load(SeqCst), 1, "the subscriber was woken");
}

// ---------------------------------------------------------------------------------
// Caches generated by `macro_rules`, every argument a fragment: `$t:ty`/`$e:ty` inside
// `Result<$t, $e>` (a `Box<dyn Error + Send + Sync>` error must become `BoxedError`
// as when written), `$watch:literal` and `$watch:expr` for `watch`.

macro_rules! fragment_cache {
    ($name:ident, $t:ty, $e:ty, $path:expr, $interval:expr, $watch:literal) => {
        #[invalidating_cache(path = $path, check_interval = $interval, watch = $watch)]
        fn $name(path: &Path) -> Result<$t, $e> {
            Ok(read(path)?.len())
        }
    };
}

fragment_cache!(
    fragment_len,
    usize,
    String,
    fixture("fragments"),
    Duration::from_millis(5),
    true
);

macro_rules! fragment_watch_expr {
    ($name:ident, $watch:expr) => {
        #[invalidating_cache(path = fixture("fragments"), watch = $watch)]
        fn $name(path: &Path) -> Result<usize, String> {
            Ok(read(path)?.len())
        }
    };
}

fragment_watch_expr!(fragment_watch_expr_len, true);

#[test]
fn a_cache_generated_from_fragments_takes_watch_as_a_fragment() {
    setup("fragments", "four");
    assert_eq!(*fragment_len().unwrap(), 4);
    assert_eq!(*fragment_watch_expr_len().unwrap(), 4);
    assert!(fragment_len::cache().is_watching());
    assert!(fragment_watch_expr_len::cache().is_watching());
}

// `Result<$t, $e>` with `$e` = `Box<dyn Error + Send + Sync>`: as when written, the
// cache's error is `Arc<BoxedError>`, which `?` converts into `Box<dyn Error>` (before:
// `Arc<Box<dyn Error + Send + Sync>>`, which is not an `Error`).
macro_rules! boxed_fragment_cache {
    ($name:ident, $t:ty, $e:ty) => {
        #[invalidating_cache(path = fixture("boxed-fragment"))]
        fn $name(path: &Path) -> Result<$t, $e> {
            Ok(read(path)?.len())
        }
    };
}

boxed_fragment_cache!(
    boxed_fragment_len,
    usize,
    Box<dyn std::error::Error + Send + Sync>
);

fn doubled_len() -> Result<usize, Box<dyn std::error::Error>> {
    Ok(*boxed_fragment_len()? * 2)
}

#[test]
fn a_boxed_dyn_error_from_a_type_fragment_is_a_boxed_error_as_written() {
    setup("boxed-fragment", "four");
    assert_eq!(doubled_len().unwrap(), 8);
    let error: Option<Arc<singleton_runtime::BoxedError>> = boxed_fragment_len::last_error();
    assert!(error.is_none());
}

// ---------------------------------------------------------------------------------
// Checked in review, passed as written: a loader that panics poisons nothing (a caller
// waiting for that load loads again itself), and two caches whose loaders need each
// other, loaded on two threads, are reported as a cycle instead of hanging.

static PANICS_LEFT: AtomicU64 = AtomicU64::new(1);
static PANICKY_ENTERED: AtomicBool = AtomicBool::new(false);

#[invalidating_cache(path = fixture("panicky"))]
fn panicky_cfg(path: &Path) -> Result<String, String> {
    PANICKY_ENTERED.store(true, SeqCst);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        PANICS_LEFT
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_err(),
        "the loader panics"
    );
    read(path)
}

#[test]
fn a_panicking_first_load_poisons_nothing_and_its_waiter_loads_again() {
    setup("panicky", "ok");
    let first = std::thread::spawn(|| {
        outcome_within("first", DEADLOCK_TIMEOUT, || {
            panicky_cfg().map(|v| (*v).clone())
        })
    });
    while !PANICKY_ENTERED.load(SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let waiter = outcome_within("waiter", DEADLOCK_TIMEOUT, || {
        panicky_cfg().map(|v| (*v).clone())
    });
    let first = first.join().unwrap();
    assert_eq!(
        panic_message(&*first.expect_err("the loader panicked")),
        "the loader panics"
    );
    assert_eq!(
        waiter.map_err(|p| panic_message(&*p)),
        Ok(Ok("ok".to_owned()))
    );
    assert_eq!(panicky_cfg::generation(), 1);
    assert!(panicky_cfg::last_error().is_none());
}

#[invalidating_cache(path = fixture("ping"))]
fn ping_cfg(path: &Path) -> Result<usize, String> {
    std::thread::sleep(Duration::from_millis(300));
    Ok(read(path)?.len() + pong_cfg().map_or(0, |v| *v))
}

#[invalidating_cache(path = fixture("pong"))]
fn pong_cfg(path: &Path) -> Result<usize, String> {
    std::thread::sleep(Duration::from_millis(300));
    Ok(read(path)?.len() + ping_cfg().map_or(0, |v| *v))
}

#[test]
fn two_caches_whose_loaders_need_each_other_across_threads_are_reported() {
    setup("ping", "a");
    setup("pong", "b");
    let first =
        std::thread::spawn(|| outcome_within("ping", DEADLOCK_TIMEOUT, || ping_cfg().map(|v| *v)));
    std::thread::sleep(Duration::from_millis(100));
    let second =
        std::thread::spawn(|| outcome_within("pong", DEADLOCK_TIMEOUT, || pong_cfg().map(|v| *v)));
    let messages = panic_messages(&first.join().unwrap(), &second.join().unwrap());
    assert!(
        messages
            .iter()
            .any(|m| m.contains("cycle") && m.contains("ping_cfg") && m.contains("pong_cfg")),
        "{messages:?}"
    );
}

// ---------------------------------------------------------------------------------
// A `check_interval` expression that reads its own cache ("the interval is a setting
// of the config"): it was evaluated outside the single flight, at every check, and the
// check it made evaluated it again: a stack overflow, which aborts the process. Now a
// panic naming the cache, as for the `path` expression and the loader.

fn interval_from_config() -> Duration {
    Duration::from_millis(self_timed_cfg().map_or(1000, |v| *v))
}

#[invalidating_cache(path = fixture("self-timed"), check_interval = interval_from_config())]
fn self_timed_cfg(path: &Path) -> Result<u64, String> {
    read(path)?.trim().parse().map_err(|e| format!("{e}"))
}

#[test]
fn a_check_interval_that_needs_its_own_cache_panics_naming_it() {
    setup("self-timed", "250");
    let outcome = outcome_within("self-timed", DEADLOCK_TIMEOUT, || {
        self_timed_cfg().map(|v| *v)
    });
    let message = panic_message(&*outcome.expect_err("re-entry was not refused"));
    assert!(
        message.contains("`self_timed_cfg`") && message.contains("check interval"),
        "{message}"
    );
    // Nothing is left held: reading the value without the interval works.
    assert_eq!(self_timed_cfg::cache().peek().map(|v| *v), None);
}

// ---------------------------------------------------------------------------------
// Checked in review, passed as written: `watch = true` and a context loader, an
// include in a new directory read by an explicit `reload()` (which itself does not
// follow the files read) is watched all the same: the edit of the main file that
// added it wakes the watcher, whose check follows the files.

#[invalidating_cache(path = fixture("reload-follows"), check_interval = HOUR, watch = true)]
fn reload_follows(ctx: &mut LoadContext) -> Result<String, String> {
    let main = ctx.path().to_owned();
    let mut text = ctx.read_to_string(&main).map_err(|e| e.to_string())?;
    if let Some(include) = text.strip_prefix("include ") {
        let include = main.parent().unwrap().join(include.trim());
        text = ctx.read_to_string(&include).map_err(|e| e.to_string())?;
    }
    Ok(text)
}

#[test]
fn with_watch_an_include_read_by_reload_is_watched() {
    let main = setup("reload-follows", "plain");
    let include = main.parent().unwrap().join("conf.d").join("extra.conf");
    std::fs::create_dir_all(include.parent().unwrap()).unwrap();
    std::fs::write(&include, "one").unwrap();
    assert_eq!(*reload_follows().unwrap(), "plain");
    assert!(reload_follows::cache().is_watching());
    std::fs::write(&main, "include conf.d/extra.conf").unwrap();
    assert_eq!(*reload_follows::reload().unwrap(), "one");
    std::thread::sleep(Duration::from_millis(30)); // the include's timestamp tick moves on
    std::fs::write(&include, "two").unwrap();
    let peeked = outcome_within(
        "the include's edit, picked up",
        Duration::from_secs(5),
        || {
            loop {
                if reload_follows::cache().peek().is_some_and(|v| *v == "two") {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        },
    );
    assert!(
        peeked.is_ok(),
        "the edit of the include was not picked up by the watcher"
    );
}

// ---------------------------------------------------------------------------------
// Checked in review, passed as written: cached fns named like the fns of their own
// control module.

mod named_like_the_module {
    use super::{Path, fixture, read};
    use singleton_runtime::invalidating_cache;

    #[invalidating_cache(path = fixture("names"))]
    pub(super) fn cache(path: &Path) -> Result<String, String> {
        read(path)
    }

    #[invalidating_cache(path = fixture("names"))]
    pub(super) fn with(path: &Path) -> Result<usize, String> {
        read(path).map(|t| t.len())
    }

    #[invalidating_cache(path = fixture("names"))]
    pub(super) fn reload(path: &Path) -> Result<usize, String> {
        read(path).map(|t| t.len() + 1)
    }
}

#[test]
fn cached_fns_named_cache_with_and_reload_work() {
    setup("names", "abc");
    assert_eq!(*named_like_the_module::cache().unwrap(), "abc");
    assert_eq!(named_like_the_module::cache::with(String::len), Ok(3));
    assert_eq!(*named_like_the_module::with().unwrap(), 3);
    assert_eq!(named_like_the_module::with::with(|n| *n), Ok(3));
    assert_eq!(*named_like_the_module::reload::reload().unwrap(), 4);
    assert_eq!(named_like_the_module::reload::generation(), 1);
    assert_eq!(*named_like_the_module::reload().unwrap(), 4);
}

// ---------------------------------------------------------------------------------
// `watch = true` and an optional include in a directory that does not exist yet: the
// watcher tried that directory once, failed, and recorded it as watched, so once the
// directory and the include were created (seen: its parent is watched) the include's
// edits waited for the check interval (an hour here).

#[invalidating_cache(path = fixture("late-dir"), check_interval = HOUR, watch = true)]
fn late_dir_cfg(ctx: &mut LoadContext) -> Result<String, String> {
    let main = ctx.path().to_owned();
    let mut text = ctx.read_to_string(&main).map_err(|e| e.to_string())?;
    let include = main.parent().unwrap().join("conf.d").join("extra.conf");
    match ctx.read_to_string(&include) {
        Ok(extra) => text.push_str(&extra),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok(text)
}

/// Waits (at most 5 s) until the cache, never called, holds `text`.
fn late_dir_holds(text: &str) -> bool {
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < end {
        if late_dir_cfg::cache().peek().is_some_and(|v| *v == text) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn with_watch_an_include_in_a_directory_created_later_is_watched() {
    let main = setup("late-dir", "main");
    let conf_d = main.parent().unwrap().join("conf.d");
    assert_eq!(*late_dir_cfg().unwrap(), "main");
    assert!(late_dir_cfg::cache().is_watching());
    std::fs::create_dir(&conf_d).unwrap();
    std::fs::write(conf_d.join("extra.conf"), "+one").unwrap();
    assert!(late_dir_holds("main+one"), "the include's creation");
    std::thread::sleep(Duration::from_millis(30)); // the include's timestamp tick moves on
    std::fs::write(conf_d.join("extra.conf"), "+two").unwrap();
    assert!(late_dir_holds("main+two"), "the include's edit");
}

// ---------------------------------------------------------------------------------
// A context cache built by hand and watched with `watch()` (not `watched`): the files
// its loads read were not followed (only caches built with `watched` were), so an
// include in another directory was not watched.

fn hand_watched_path() -> PathBuf {
    fixture("hand-watched")
}

fn hand_watched_load(ctx: &mut LoadContext) -> Result<String, String> {
    let main = ctx.path().to_owned();
    let include = ctx.read_to_string(&main).map_err(|e| e.to_string())?;
    let include = main.parent().unwrap().join(include.trim());
    ctx.read_to_string(&include).map_err(|e| e.to_string())
}

static HAND_WATCHED: InvalidatingCache<String, String> =
    InvalidatingCache::with_context(hand_watched_path, hand_watched_load).with_check_interval(HOUR);

#[test]
fn a_context_cache_watched_by_hand_follows_its_includes() {
    let main = setup("hand-watched", "other/extra.conf");
    let include = main.parent().unwrap().join("other").join("extra.conf");
    std::fs::create_dir_all(include.parent().unwrap()).unwrap();
    std::fs::write(&include, "one").unwrap();
    HAND_WATCHED.watch().unwrap();
    assert_eq!(*HAND_WATCHED.get().unwrap(), "one");
    std::thread::sleep(Duration::from_millis(30)); // the include's timestamp tick moves on
    std::fs::write(&include, "two").unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while HAND_WATCHED.peek().is_none_or(|v| *v != "two") {
        assert!(
            std::time::Instant::now() < end,
            "the include's edit was not picked up"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

// The same, watched by hand only after a first load: the includes that load read are
// followed from the start (before: only from the next check, which only an event in
// the main file's directory or the interval would make).

fn late_watched_path() -> PathBuf {
    fixture("late-watched")
}

static LATE_WATCHED: InvalidatingCache<String, String> =
    InvalidatingCache::with_context(late_watched_path, hand_watched_load).with_check_interval(HOUR);

#[test]
fn a_context_cache_watched_by_hand_after_a_load_follows_what_it_read() {
    let main = setup("late-watched", "other/extra.conf");
    let include = main.parent().unwrap().join("other").join("extra.conf");
    std::fs::create_dir_all(include.parent().unwrap()).unwrap();
    std::fs::write(&include, "one").unwrap();
    assert_eq!(*LATE_WATCHED.get().unwrap(), "one");
    LATE_WATCHED.watch().unwrap();
    std::thread::sleep(Duration::from_millis(30)); // the include's timestamp tick moves on
    std::fs::write(&include, "two").unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while LATE_WATCHED.peek().is_none_or(|v| *v != "two") {
        assert!(
            std::time::Instant::now() < end,
            "the include's edit was not picked up"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

// A watched context cache whose include is chosen by the program (a profile), switched
// and then `reload()`ed: the new include's directory is watched (before: `reload` did
// not follow the files it read, and no event came to make a check follow them).

// singleton-audit: allow(test instrumentation: the profile the loader reads)
static PROFILE: Mutex<&str> = Mutex::new("a");

#[invalidating_cache(path = fixture("profiles"), check_interval = HOUR, watch = true)]
fn profiled_cfg(ctx: &mut LoadContext) -> Result<String, String> {
    let main = ctx.path().to_owned();
    let base = ctx.read_to_string(&main).map_err(|e| e.to_string())?;
    let profile = *PROFILE.lock().unwrap();
    let include = main.parent().unwrap().join(profile).join("extra.conf");
    let extra = ctx.read_to_string(&include).map_err(|e| e.to_string())?;
    Ok(base + &extra)
}

#[test]
fn with_watch_an_include_read_by_reload_after_a_switch_is_watched() {
    let main = setup("profiles", "base+");
    let dir = main.parent().unwrap().to_owned();
    for profile in ["a", "b"] {
        std::fs::create_dir_all(dir.join(profile)).unwrap();
        std::fs::write(dir.join(profile).join("extra.conf"), profile).unwrap();
    }
    assert_eq!(*profiled_cfg().unwrap(), "base+a");
    *PROFILE.lock().unwrap() = "b";
    assert_eq!(*profiled_cfg::reload().unwrap(), "base+b");
    std::thread::sleep(Duration::from_millis(30)); // the include's timestamp tick moves on
    std::fs::write(dir.join("b").join("extra.conf"), "b2").unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while profiled_cfg::cache().peek().is_none_or(|v| *v != "base+b2") {
        assert!(
            std::time::Instant::now() < end,
            "the include's edit was not picked up"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
