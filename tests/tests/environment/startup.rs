//! `env::set_before_threads`: sets variables in a process with one thread, refuses (and
//! changes nothing) in a process with two. Each case is a child process, so the thread
//! count is the real one of a `main` that did or did not start a thread.

use std::ffi::OsStr;
use std::time::Duration;

use singleton_runtime::env::{self, NotSingleThreaded};

use crate::harness::{Case, run_child};

pub(crate) const CASES: &[Case] = &[
    (
        "startup::one_thread_sets_and_removes",
        one_thread_sets_and_removes,
    ),
    (
        "startup::a_second_thread_is_refused_and_nothing_changes",
        a_second_thread_is_refused,
    ),
    (
        "startup::a_thread_started_by_a_name_during_the_call_is_refused",
        a_thread_started_by_a_name_is_refused,
    ),
    (
        "startup::a_value_that_changes_to_nul_never_panics_half_way",
        a_value_that_changes_to_nul_never_panics_half_way,
    ),
];

pub(crate) const CHILDREN: &[Case] = &[
    ("startup-one-thread", child_one_thread),
    ("startup-two-threads", child_two_threads),
    ("startup-name-starts-a-thread", child_name_starts_a_thread),
    ("startup-value-changes-to-nul", child_value_changes_to_nul),
];

const LIMIT: Duration = Duration::from_secs(20);
const SET: &str = "SINGLETON_TEST_STARTUP_SET";
const REMOVE: &str = "SINGLETON_TEST_STARTUP_REMOVE";

fn vars() -> [(&'static str, Option<&'static str>); 2] {
    [(SET, Some("42")), (REMOVE, None)]
}

fn one_thread_sets_and_removes() {
    let run = run_child(
        "startup-one-thread",
        &[(SET, None), (REMOVE, Some(OsStr::new("present")))],
        LIMIT,
    );
    run.assert_success();
    if cfg!(any(target_os = "linux", target_os = "android", windows)) {
        assert_eq!(run.value("result"), "Ok(())");
        assert_eq!(run.value("after"), "Some(\"42\") None");
    } else {
        assert!(
            run.value("result")
                .contains("counting threads is not implemented"),
            "{run:?}"
        );
    }
}

fn a_second_thread_is_refused() {
    let run = run_child(
        "startup-two-threads",
        &[(SET, None), (REMOVE, Some(OsStr::new("present")))],
        LIMIT,
    );
    run.assert_success();
    let result = run.value("result");
    if cfg!(windows) {
        assert_eq!(result, "Ok(())"); // always sound there
        return;
    }
    if cfg!(any(target_os = "linux", target_os = "android")) {
        assert!(
            result.starts_with("Err(this process has 2 threads)"),
            "{result}"
        );
        // The rest of the message is checked by the runtime's unit tests.
        let message = run.value("message");
        assert!(
            message.starts_with("environment variables not set: this process has 2 threads, "),
            "{message}"
        );
    }
    // Refused: nothing was changed.
    assert_eq!(run.value("after"), "None Some(\"present\")");
}

/// Prints the outcome and the variables afterwards.
fn report(result: Result<(), NotSingleThreaded>) {
    match &result {
        Ok(()) => println!("result=Ok(())"),
        Err(e) => match e.threads() {
            Some(n) => println!("result=Err(this process has {n} threads)"),
            None => println!("result=Err({e})"),
        },
    }
    if let Err(e) = result {
        println!("message={e}");
    }
    println!(
        "after={:?} {:?}",
        std::env::var_os(SET),
        std::env::var_os(REMOVE)
    );
}

/// `main` of a process that started no thread.
fn child_one_thread() {
    #[cfg(target_os = "linux")]
    assert_eq!(
        crate::harness::threads(),
        1,
        "the child should have only its main thread"
    );
    report(env::set_before_threads(&vars()));
}

/// `main` of a process that started one thread (still alive).
fn child_two_threads() {
    let (started, running) = std::sync::mpsc::channel();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        started.send(()).unwrap();
        let _ = stopped.recv(); // alive until `stop` is dropped
    });
    running.recv().unwrap();
    #[cfg(target_os = "linux")]
    assert_eq!(crate::harness::threads(), 2);
    report(env::set_before_threads(&vars()));
    drop(stop);
    worker.join().unwrap();
}

/// In the child: start a thread at the `as_ref` call with this number (1-based).
const SPAWN_AT: &str = "SINGLETON_TEST_STARTUP_SPAWN_AT";

/// A safe `AsRef<OsStr>` may run any code, e.g. start a thread. Whenever a name's
/// `as_ref` starts one during `set_before_threads`, the call must refuse and change
/// nothing: otherwise the environment was changed while a second thread existed (which
/// could be reading it through C). Tried at every `as_ref` call the function makes.
fn a_thread_started_by_a_name_is_refused() {
    for at in 1.. {
        let run = run_child(
            "startup-name-starts-a-thread",
            &[
                (SET, None),
                (REMOVE, Some(OsStr::new("present"))),
                (SPAWN_AT, Some(OsStr::new(&at.to_string()))),
            ],
            LIMIT,
        );
        run.assert_success();
        if run.value("spawned") == "false" {
            assert!(at > 2, "`as_ref` was called fewer than twice: {run:?}");
            break;
        }
        if cfg!(windows) {
            continue; // changing the environment is always sound there
        }
        let result = run.value("result");
        assert!(
            result.starts_with("Err("),
            "a thread started at `as_ref` call {at}, and set_before_threads went on to \
             change the environment: {result}, after={}",
            run.value("after")
        );
        assert_eq!(run.value("after"), "None Some(\"present\")", "call {at}");
    }
}

/// A value whose `as_ref` gives something else the second time (NUL inside): never a
/// panic half-way through the list. Either the documented panic before anything is
/// changed, or every variable set to the value that was checked.
fn a_value_that_changes_to_nul_never_panics_half_way() {
    let run = run_child(
        "startup-value-changes-to-nul",
        &[(SET, None), (REMOVE, Some(OsStr::new("present")))],
        LIMIT,
    );
    run.assert_success();
    let expected = if run.value("panicked") == "true" {
        "None Some(\"present\")"
    } else {
        "Some(\"ok\") Some(\"ok\")"
    };
    assert_eq!(run.value("after"), expected);
}

/// A name whose `as_ref` starts a thread at the call numbered by [`SPAWN_AT`].
struct StartsAThread(&'static str);

static AS_REF_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
// singleton-audit: allow(test instrumentation: the thread a name's `as_ref` starts)
static STARTED: std::sync::Mutex<Option<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(None);
static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl AsRef<OsStr> for StartsAThread {
    fn as_ref(&self) -> &OsStr {
        use std::sync::atomic::Ordering::SeqCst;
        let call = AS_REF_CALLS.fetch_add(1, SeqCst) + 1;
        let at: usize = std::env::var(SPAWN_AT).unwrap().parse().unwrap();
        if call == at {
            *STARTED.lock().unwrap() = Some(std::thread::spawn(|| {
                while !STOP.load(SeqCst) {
                    std::thread::park_timeout(Duration::from_millis(1));
                }
            }));
        }
        OsStr::new(self.0)
    }
}

fn child_name_starts_a_thread() {
    let result = env::set_before_threads(&[
        (StartsAThread(SET), Some("42")),
        (StartsAThread(REMOVE), None),
    ]);
    let started = STARTED.lock().unwrap().take();
    println!("spawned={}", started.is_some());
    report(result);
    STOP.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some(thread) = started {
        thread.join().unwrap();
    }
}

/// "ok" at the first `as_ref`, and if `.1`, a value with NUL inside at every later one.
struct ChangesToNul(std::sync::atomic::AtomicUsize, bool);

impl AsRef<OsStr> for ChangesToNul {
    fn as_ref(&self) -> &OsStr {
        if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 || !self.1 {
            OsStr::new("ok")
        } else {
            OsStr::new("a\0b")
        }
    }
}

fn child_value_changes_to_nul() {
    let vars = [
        (SET, Some(ChangesToNul(0.into(), false))),
        (REMOVE, Some(ChangesToNul(0.into(), true))),
    ];
    let outcome = std::panic::catch_unwind(|| env::set_before_threads(&vars));
    println!("panicked={}", outcome.is_err());
    println!(
        "after={:?} {:?}",
        std::env::var_os(SET),
        std::env::var_os(REMOVE)
    );
}
