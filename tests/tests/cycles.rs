//! Cycles among the crate's primitives: reported with every name on them, never hung.
//!
//! One wait-for graph sees singletons, `#[init_once]` fns, guarded globals and caches
//! together (`singleton-runtime/src/waits.rs`), and the lock-order graph of guarded
//! globals finds cycles of any length. Every test runs its threads under a deadlock
//! timeout, so a regression fails instead of hanging. The last two tests check the
//! documented answer to a deadlock the crate cannot see (an initialiser that joins a
//! thread which needs the value): a report on stderr after a threshold, checked in a
//! child process, because the child hangs by design.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::Duration;

use singleton_runtime::{guarded_global, init_once, invalidating_cache, singleton};
use support::{DEADLOCK_TIMEOUT, panic_message, run_with_timeout};

// ---------------------------------------------------------------------------------
// Three guarded globals, A -> B, B -> C, C -> A.

#[guarded_global]
static CYC_A: u32 = 1;
#[guarded_global]
static CYC_B: u32 = 2;
#[guarded_global]
static CYC_C: u32 = 3;

static ALL_HOLD_ONE: Barrier = Barrier::new(3);

/// Holds `first` in a read until all three threads hold theirs, then writes `second`.
fn hold_then_write(
    first: &'static singleton_runtime::GuardedGlobal<u32>,
    second: &'static singleton_runtime::GuardedGlobal<u32>,
) -> u32 {
    first.read(|a| {
        ALL_HOLD_ONE.wait();
        second.write(|b| {
            *b += 10;
            *a + *b
        })
    })
}

#[test]
fn three_globals_taken_in_a_cycle_by_three_threads_are_reported_naming_all_three() {
    let threads = [
        thread::spawn(|| run_with_timeout("a-then-b", || hold_then_write(&CYC_A, &CYC_B))),
        thread::spawn(|| run_with_timeout("b-then-c", || hold_then_write(&CYC_B, &CYC_C))),
        thread::spawn(|| run_with_timeout("c-then-a", || hold_then_write(&CYC_C, &CYC_A))),
    ];
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let messages: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().err().map(|p| panic_message(&**p)))
        .collect();
    // The thread that closes the cycle panics (lock order in debug builds, the wait
    // graph otherwise); its reads are released, so the other two finish.
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let message = &messages[0];
    assert!(message.contains("cycle"), "{message}");
    for name in ["`CYC_A`", "`CYC_B`", "`CYC_C`"] {
        assert!(message.contains(name), "{name} missing: {message}");
    }
    assert!(!CYC_A.is_poisoned() && !CYC_B.is_poisoned() && !CYC_C.is_poisoned());
}

#[guarded_global]
static SEQ_A: u32 = 1;
#[guarded_global]
static SEQ_B: u32 = 2;
#[guarded_global]
static SEQ_C: u32 = 3;

#[test]
#[cfg_attr(
    not(any(debug_assertions, feature = "lock-order")),
    ignore = "lock order is checked in debug builds, or with the `lock-order` feature"
)]
fn the_third_edge_of_a_lock_order_cycle_is_reported_on_one_thread() {
    let outcome = run_with_timeout("sequential", || {
        assert_eq!(SEQ_A.read(|a| SEQ_B.read(|b| a + b)), 3);
        assert_eq!(SEQ_B.read(|b| SEQ_C.read(|c| b + c)), 5);
        // No deadlock can happen on one thread, but these three orders can deadlock
        // three threads: reported the first time the closing edge is seen.
        SEQ_C.read(|c| SEQ_A.read(|a| a + c))
    });
    let message = panic_message(&*outcome.expect_err("the closing edge was not reported"));
    assert!(message.contains("lock order cycle"), "{message}");
    assert!(
        message.contains("`SEQ_A` -> `SEQ_B` -> `SEQ_C` -> `SEQ_A`"),
        "{message}"
    );
    assert!(
        message.contains("`SEQ_A` before `SEQ_B` before `SEQ_C`"),
        "{message}"
    );
    // The orders seen before still work.
    assert_eq!(SEQ_A.read(|a| SEQ_B.read(|b| a + b)), 3);
}

// ---------------------------------------------------------------------------------
// Across primitives: a guarded global and a singleton.

#[guarded_global]
static G: u32 = 0;

#[singleton]
fn s() -> u32 {
    G.write(|g| *g += 1);
    7
}

#[test]
fn a_write_waiting_for_a_singleton_whose_initialiser_writes_it_is_reported() {
    let (started, when) = mpsc::channel();
    let t1 = thread::spawn(move || {
        run_with_timeout("holds-g", move || {
            G.write(|_| {
                started.send(()).unwrap();
                thread::sleep(Duration::from_millis(200));
                *s()
            })
        })
    });
    when.recv().unwrap();
    thread::sleep(Duration::from_millis(50));
    let t2 = thread::spawn(|| run_with_timeout("inits-s", || *s()));
    let (o1, o2) = (t1.join().unwrap(), t2.join().unwrap());
    // The thread that closes the cycle (the writer of G, asking for `s`) panics with
    // both names, inside its write: G is poisoned, so the initialiser of `s` then
    // panics with the poison (not hangs).
    let message = panic_message(&*o1.expect_err("the cycle was not reported"));
    assert!(message.contains("wait cycle across threads"), "{message}");
    assert!(message.contains("`G` (guarded global)"), "{message}");
    assert!(message.contains("`s` (singleton)"), "{message}");
    assert!(
        message.contains("'holds-g'") && message.contains("'inits-s'"),
        "{message}"
    );
    let after = panic_message(&*o2.expect_err("s cannot be built from a poisoned G"));
    assert!(after.contains("poison"), "{after}");
}

// A writer that would wait for a reader which waits for the writer's singleton: the
// cycle is seen while the writer drains readers (holding the write bit), which it must
// give back when it panics.

#[guarded_global]
static DRAINED: u32 = 0;

// singleton-audit: allow(test instrumentation: which thread drains first)
static DRAIN_FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

#[singleton]
fn needs_drained() -> u32 {
    if DRAIN_FIRST.swap(false, std::sync::atomic::Ordering::SeqCst) {
        // Let the reader take `DRAINED` and start waiting for this singleton.
        thread::sleep(Duration::from_millis(150));
    }
    DRAINED.write(|d| {
        *d += 1;
        *d
    })
}

#[test]
fn a_writer_draining_a_reader_that_waits_for_it_is_reported_and_releases_the_lock() {
    let (claimed, when) = mpsc::channel();
    let writer = thread::spawn(move || {
        run_with_timeout("writer", move || {
            // Claims `needs_drained` first; its initialiser writes `DRAINED` later.
            claimed.send(()).unwrap();
            *needs_drained()
        })
    });
    when.recv().unwrap();
    thread::sleep(Duration::from_millis(30));
    let reader =
        thread::spawn(|| run_with_timeout("reader", || DRAINED.read(|_| *needs_drained())));
    let (w, r) = (writer.join().unwrap(), reader.join().unwrap());
    let message = panic_message(&*w.expect_err("the cycle was not reported"));
    assert!(message.contains("wait cycle across threads"), "{message}");
    assert!(message.contains("`DRAINED` (guarded global)"), "{message}");
    assert!(message.contains("`needs_drained` (singleton)"), "{message}");
    // The reader then builds the singleton itself, inside its read: refused, not hung.
    let message = panic_message(&*r.expect_err("a write inside a read cannot work"));
    assert!(
        message.contains("`write` requested while this thread holds"),
        "{message}"
    );
    // The panicking writer gave the write bit back: the global is usable, unpoisoned.
    assert!(!DRAINED.is_poisoned());
    let n = run_with_timeout("afterwards", || DRAINED.write(|d| *d + 100)).unwrap();
    assert_eq!(n, 100);
}

// ---------------------------------------------------------------------------------
// No cycle: a reader holding a global and waiting for a singleton whose builder reads
// the same global behind a *timed* writer. Reads do not wait for each other, and the
// writer gives up at its deadline (reported as a cycle before: the builder's read was
// taken to wait for the other reader).

#[guarded_global]
static TIMED_G: u32 = 0;

/// Returns once a writer holds `global`: until then a read goes through, so poll until
/// one has to wait.
fn until_a_writer_holds(global: &'static singleton_runtime::GuardedGlobal<u32>) {
    while global
        .try_read_for(Duration::from_millis(1), |_| ())
        .is_ok()
    {
        thread::sleep(Duration::from_millis(5));
    }
}

#[singleton]
fn timed_s() -> u32 {
    // The timed writer drains the reader, which holds TIMED_G and waits for this.
    until_a_writer_holds(&TIMED_G);
    TIMED_G.read(|g| *g + 7)
}

#[test]
fn a_timed_writer_between_a_reader_and_a_builder_is_not_a_cycle() {
    let builder = thread::spawn(|| run_with_timeout("builder", || *timed_s()));
    thread::sleep(Duration::from_millis(50));
    let reader = thread::spawn(|| run_with_timeout("reader", || TIMED_G.read(|_| *timed_s())));
    thread::sleep(Duration::from_millis(50));
    let writer = thread::spawn(|| {
        run_with_timeout("timed-writer", || {
            TIMED_G
                .try_write_for(Duration::from_secs(2), |g| *g += 1)
                .is_ok()
        })
    });
    let b = builder.join().unwrap().map_err(|p| panic_message(&*p));
    let r = reader.join().unwrap().map_err(|p| panic_message(&*p));
    let w = writer.join().unwrap().map_err(|p| panic_message(&*p));
    assert_eq!(
        b,
        Ok(7),
        "the builder waited for the timed writer to give up"
    );
    assert_eq!(r, Ok(7));
    assert_eq!(
        w,
        Ok(false),
        "the timed writer gave up: the reader held the global"
    );
}

// ---------------------------------------------------------------------------------
// The same with a writer that waits without deadline: now it is a deadlock (the builder
// cannot read behind the writer, the writer waits for the reader, the reader for the
// builder), reported naming the writer between them.

#[guarded_global]
static DRAINING_G: u32 = 0;

// singleton-audit: allow(test instrumentation: only the first build waits for the writer)
static DRAINING_FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

#[singleton]
fn draining_s() -> u32 {
    if DRAINING_FIRST.swap(false, std::sync::atomic::Ordering::SeqCst) {
        until_a_writer_holds(&DRAINING_G);
    }
    DRAINING_G.read(|g| *g + 7)
}

#[test]
fn a_writer_between_a_reader_and_a_builder_is_reported_as_writing() {
    let builder = thread::spawn(|| run_with_timeout("builder", || *draining_s()));
    thread::sleep(Duration::from_millis(50));
    let reader =
        thread::spawn(|| run_with_timeout("reader", || DRAINING_G.read(|_| *draining_s())));
    thread::sleep(Duration::from_millis(50));
    let writer = thread::spawn(|| run_with_timeout("writer", || DRAINING_G.write(|g| *g += 1)));
    let message = panic_message(&*builder.join().unwrap().expect_err("the cycle was reported"));
    assert!(message.contains("wait cycle across threads"), "{message}");
    assert!(
        message.contains("thread 'writer'")
            && message.contains(
                "is writing `DRAINING_G` (guarded global) and waits for its readers to leave"
            ),
        "{message}"
    );
    assert!(
        message.contains("holds `DRAINING_G` (guarded global) and waits for `draining_s`"),
        "{message}"
    );
    // The reader then builds the singleton itself (a read nested in its own), and the
    // writer gets its turn.
    assert_eq!(reader.join().unwrap().ok(), Some(7));
    assert!(writer.join().unwrap().is_ok());
    assert_eq!(DRAINING_G.read(|g| *g), 1);
}

// ---------------------------------------------------------------------------------
// A singleton and an #[init_once] fn.

// A singleton and an #[init_once(concurrent = refuse)] fn (the waiting default is in
// `init_once.rs`: there the cycle is reported).

#[init_once(concurrent = refuse)]
fn setup_needing_service() -> bool {
    thread::sleep(Duration::from_millis(200));
    *service_needing_setup()
}

#[singleton]
fn service_needing_setup() -> bool {
    // `concurrent = refuse` does not wait: a call while the body runs elsewhere is
    // refused at once, so this cross-thread cycle cannot hang.
    setup_needing_service().is_err_and(|e| e.in_progress())
}

#[test]
fn a_singleton_and_an_init_once_fn_needing_each_other_across_threads_do_not_hang() {
    let t1 = thread::spawn(|| run_with_timeout("runs-setup", setup_needing_service));
    thread::sleep(Duration::from_millis(50));
    let t2 = thread::spawn(|| run_with_timeout("needs-service", || *service_needing_setup()));
    let refused_in_progress = t2.join().unwrap().expect("the singleton initialiser ran");
    assert!(
        refused_in_progress,
        "the setup call inside the singleton was refused"
    );
    assert_eq!(t1.join().unwrap().expect("setup ran"), Ok(true));
}

// ---------------------------------------------------------------------------------
// A singleton and a cache loader.

fn cycle_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("singleton-cycles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cycle_file(name: &str) -> PathBuf {
    let path = cycle_dir().join(name);
    std::fs::write(&path, "41").unwrap();
    path
}

#[invalidating_cache(path = cycle_file("loader.txt"))]
fn loaded_with_service(path: &Path) -> Result<u32, std::io::Error> {
    thread::sleep(Duration::from_millis(200));
    let n: u32 = std::fs::read_to_string(path)?.trim().parse().unwrap_or(0);
    Ok(n + *service_needing_cache())
}

#[singleton]
fn service_needing_cache() -> u32 {
    *loaded_with_service().unwrap()
}

#[test]
fn a_cache_loader_and_a_singleton_needing_each_other_across_threads_are_reported() {
    let t1 = thread::spawn(|| run_with_timeout("loads", || loaded_with_service().map(|v| *v)));
    thread::sleep(Duration::from_millis(50));
    let t2 = thread::spawn(|| run_with_timeout("inits", || *service_needing_cache()));
    let (o1, o2) = (t1.join().unwrap(), t2.join().unwrap());
    let message = panic_message(&*o1.expect_err("the cycle was not reported"));
    assert!(message.contains("wait cycle across threads"), "{message}");
    assert!(
        message.contains("`loaded_with_service` (invalidating cache)"),
        "{message}"
    );
    assert!(
        message.contains("`service_needing_cache` (singleton)"),
        "{message}"
    );
    // The initialiser's thread then loads itself, and its loader needs the singleton
    // it is initialising: a cycle on one thread, reported too.
    let message = panic_message(&*o2.expect_err("a cyclic initialiser returned"));
    assert!(message.contains("cycle"), "{message}");
}

// ---------------------------------------------------------------------------------
// A cache whose `path` expression needs a singleton whose initialiser needs the cache:
// the thread evaluating the path holds the cache (hung before: the path ran before the
// cache was published, so neither wait saw the cycle).

#[singleton]
fn cyc_dir() -> PathBuf {
    // Let the other thread start a check of `path_cache` and wait for this value.
    thread::sleep(Duration::from_millis(300));
    let _ = path_cache();
    cycle_dir()
}

#[invalidating_cache(path = cyc_dir().join("path-cache.txt"))]
fn path_cache(path: &Path) -> Result<usize, std::io::Error> {
    std::fs::read_to_string(path).map(|text| text.len())
}

#[test]
fn a_cache_path_needing_a_singleton_that_needs_the_cache_is_reported() {
    let builder = thread::spawn(|| run_with_timeout("builds-dir", || cyc_dir().clone()));
    thread::sleep(Duration::from_millis(100));
    let checker = thread::spawn(|| run_with_timeout("checks-cache", || path_cache().map(|v| *v)));
    let (b, c) = (builder.join().unwrap(), checker.join().unwrap());
    let messages: Vec<String> = [b.err(), c.err()]
        .into_iter()
        .flatten()
        .map(|p| panic_message(&*p))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("wait cycle across threads")
                && m.contains("`cyc_dir` (singleton)")
                && m.contains("`path_cache` (invalidating cache)")),
        "{messages:?}"
    );
}

// ---------------------------------------------------------------------------------
// Deadlocks the crate cannot see: an initialiser (or loader) that joins a thread which
// needs the value. The joined thread waits in the graph; the join does not. After the
// slow-wait threshold the waiter prints one report naming the value and the owner.

#[singleton]
fn config() -> Vec<String> {
    let helper = thread::Builder::new()
        .name("config-helper".to_owned())
        .spawn(|| config().len())
        .unwrap();
    vec![format!("{}", helper.join().unwrap())]
}

#[test]
#[ignore = "hangs by design: run in a child process by `a_singleton_initialiser_joining_a_thread_that_needs_it_is_reported`"]
fn child_singleton_join() {
    config();
}

#[invalidating_cache(path = cycle_file("joined.txt"))]
fn joined_cache(path: &Path) -> Result<usize, std::io::Error> {
    let text = std::fs::read_to_string(path)?;
    let helper = thread::Builder::new()
        .name("loader-helper".to_owned())
        .spawn(|| joined_cache().map_or(0, |v| *v))
        .unwrap();
    Ok(helper.join().unwrap() + text.len())
}

#[test]
#[ignore = "hangs by design: run in a child process by `a_cache_loader_joining_a_thread_that_needs_it_is_reported`"]
fn child_cache_join() {
    let _ = joined_cache();
}

/// Runs the ignored test `name` of this binary in a child process with a 300 ms
/// slow-wait threshold, and returns the first stderr line that reports a slow wait;
/// kills the child (which hangs by design) either way.
fn slow_wait_report_of(name: &str) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SINGLETON_RUNTIME_WAIT_WARN_MS", "300")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, report) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("has waited") {
                let _ = lines.send(line);
            }
        }
    });
    let found = report.recv_timeout(DEADLOCK_TIMEOUT);
    let _ = child.kill();
    let _ = child.wait();
    found
        .unwrap_or_else(|_| panic!("no slow-wait report from `{name}` within {DEADLOCK_TIMEOUT:?}"))
}

#[test]
fn a_singleton_initialiser_joining_a_thread_that_needs_it_is_reported() {
    let report = slow_wait_report_of("child_singleton_join");
    assert!(report.contains("thread 'config-helper'"), "{report}");
    assert!(report.contains("`config` (singleton)"), "{report}");
    assert!(
        report.contains("held by thread 'child_singleton_join'"),
        "{report}"
    );
    assert!(report.contains("not waiting for any singleton"), "{report}");
    assert!(report.contains("Deadlocks we cannot see"), "{report}");
}

#[test]
fn a_cache_loader_joining_a_thread_that_needs_it_is_reported() {
    let report = slow_wait_report_of("child_cache_join");
    assert!(report.contains("thread 'loader-helper'"), "{report}");
    assert!(
        report.contains("`joined_cache` (invalidating cache)"),
        "{report}"
    );
    assert!(
        report.contains("held by thread 'child_cache_join'"),
        "{report}"
    );
}

/// std's `Once` deadlock: the body joins a thread that calls the same fn, which waits
/// (the default) for the body. The graph cannot see the join; the waiting thread
/// reports it. `concurrent = refuse` avoids it (see `init_once.rs`).
#[init_once]
fn joined_setup() -> usize {
    let helper = thread::Builder::new()
        .name("setup-helper".to_owned())
        .spawn(|| joined_setup().map_or(0, |n| n + 1))
        .unwrap();
    helper.join().unwrap()
}

#[test]
#[ignore = "hangs by design: run in a child process by `an_init_once_body_joining_a_thread_that_calls_it_is_reported`"]
fn child_init_once_join() {
    let _ = joined_setup();
}

#[test]
fn an_init_once_body_joining_a_thread_that_calls_it_is_reported() {
    let report = slow_wait_report_of("child_init_once_join");
    assert!(report.contains("thread 'setup-helper'"), "{report}");
    assert!(
        report.contains("`joined_setup` (#[init_once] fn)"),
        "{report}"
    );
    assert!(
        report.contains("held by thread 'child_init_once_join'"),
        "{report}"
    );
    assert!(report.contains("Deadlocks we cannot see"), "{report}");
    assert!(
        report.contains("`#[init_once(concurrent = refuse)]` fn never waits"),
        "names the way out: {report}"
    );
}
