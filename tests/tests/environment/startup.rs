//! `env::set_before_threads`: sets variables in a process with one thread, refuses (and
//! changes nothing) in a process with two. Each case is a child process, so the thread
//! count is the real one of a `main` that did or did not start a thread.

use std::ffi::OsStr;
use std::time::Duration;

use singleton_runtime::env::{self, NotSingleThreaded};

use crate::harness::{Case, run_child};

pub const CASES: &[Case] = &[
    (
        "startup::one_thread_sets_and_removes",
        one_thread_sets_and_removes,
    ),
    (
        "startup::a_second_thread_is_refused_and_nothing_changes",
        a_second_thread_is_refused,
    ),
];

pub const CHILDREN: &[Case] = &[
    ("startup-one-thread", child_one_thread),
    ("startup-two-threads", child_two_threads),
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
