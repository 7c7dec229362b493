//! Environment variables: the seeds' lost restore (Python's `blas_threads()` and
//! `temp_environ()`), made impossible by `env::with_vars`; the read-once path that
//! needs no environment change at all; and the start-up setter that refuses once a
//! second thread exists.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use singleton_runtime::env::{self, EnvVarError};
use singleton_runtime::singleton;

const VAR: &str = "OMP_NUM_THREADS";

/// The recommended path: read once, on first use, and never again.
#[singleton]
fn blas_threads() -> Result<usize, EnvVarError> {
    env::var_or(VAR, 1)
}

fn shown(value: Option<&String>) -> String {
    value.map_or_else(|| "unset".to_owned(), |v| format!("{v:?}"))
}

/// Python's `os.environ`: every single get or set is atomic (the GIL), but a
/// save/set/restore sequence is not.
type PythonEnviron = Arc<Mutex<HashMap<&'static str, String>>>;

/// The seed's `blas_threads(n)` block, split in its two halves so that the barriers
/// can replay the interleaving that lost the restore.
fn python_enter(environ: &PythonEnviron, n: &str) -> Option<String> {
    let mut environ = environ.lock().unwrap();
    let saved = environ.get(VAR).cloned();
    environ.insert(VAR, n.to_owned());
    saved
}

fn python_restore(environ: &PythonEnviron, saved: Option<String>) {
    let mut environ = environ.lock().unwrap();
    match saved {
        Some(old) => environ.insert(VAR, old),
        None => environ.remove(VAR),
    };
}

fn lost_restore_in_python() {
    println!(
        "the bug: blas_threads(n) saved {VAR}, set n, ran the block, and restored the saved \
         value; two threads doing this at once undid each other's settings"
    );
    let environ: PythonEnviron = Arc::default();
    let step = Arc::new(Barrier::new(2));
    let a = {
        let (environ, step) = (Arc::clone(&environ), Arc::clone(&step));
        thread::spawn(move || {
            let saved = python_enter(&environ, "12"); // A: saves "unset", sets 12
            step.wait();
            step.wait(); // B has saved A's 12 and set 4
            python_restore(&environ, saved); // A's block ends: back to "unset"
            step.wait();
        })
    };
    let b = {
        let (environ, step) = (Arc::clone(&environ), Arc::clone(&step));
        thread::spawn(move || {
            step.wait();
            let saved = python_enter(&environ, "4"); // B: saves A's 12, sets 4
            step.wait();
            step.wait(); // A has restored
            let inside = environ.lock().unwrap().get(VAR).cloned();
            python_restore(&environ, saved); // B's block ends: back to A's 12
            inside
        })
    };
    a.join().unwrap();
    let b_saw = b.join().unwrap();
    let after = environ.lock().unwrap().get(VAR).cloned();
    println!(
        "  replayed in Python's way: thread B set 4, but inside its block found {VAR} {}: \
         thread A's restore had removed it",
        shown(b_saw.as_ref())
    );
    println!(
        "  after both blocks {VAR} was {} instead of unset: B restored A's value, which leaked",
        shown(after.as_ref())
    );
}

fn with_vars_serialises_the_scopes() {
    let before = std::env::var(VAR).ok();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let note = |log: &Mutex<Vec<String>>, line: String| log.lock().unwrap().push(line);
    let (a_inside, b_may_ask) = mpsc::channel();
    let (b_asking, a_may_go_on) = mpsc::channel();
    let a = {
        let log = Arc::clone(&log);
        thread::spawn(move || {
            // SAFETY: while this scope is open, the threads of the tour use only
            // `std::env` and `singleton_runtime::env` to touch the environment, and run no
            // C code that reads it.
            unsafe {
                env::with_var(VAR, Some("12"), || {
                    note(&log, "thread A opens its scope with 12".into());
                    a_inside.send(()).unwrap();
                    a_may_go_on.recv().unwrap();
                    thread::sleep(Duration::from_millis(20)); // B is at its `with_var` now
                    let seen = shown(
                        env::var_os_locked(VAR)
                            .and_then(|v| v.into_string().ok())
                            .as_ref(),
                    );
                    note(&log, format!("thread A reads {seen}, closes its scope"));
                });
            }
        })
    };
    let b = {
        let log = Arc::clone(&log);
        thread::spawn(move || {
            b_may_ask.recv().unwrap();
            note(
                &log,
                "thread B asks to open its scope with 4: it waits".into(),
            );
            b_asking.send(()).unwrap();
            // SAFETY: as for thread A.
            unsafe {
                env::with_var(VAR, Some("4"), || {
                    let seen = shown(
                        env::var_os_locked(VAR)
                            .and_then(|v| v.into_string().ok())
                            .as_ref(),
                    );
                    note(
                        &log,
                        format!("thread B opens its scope, reads {seen}, closes it"),
                    );
                });
            }
        })
    };
    a.join().unwrap();
    b.join().unwrap();
    println!(
        "the fix, env::with_var on the real environment (one lock for every scope, restore on exit):"
    );
    for line in log.lock().unwrap().iter() {
        println!("  {line}");
    }
    println!(
        "  {VAR} before: {}, after: {} (each scope saw its own value; every restore put back \
         what was there before it)",
        shown(before.as_ref()),
        shown(std::env::var(VAR).ok().as_ref())
    );
}

fn read_once() {
    match blas_threads() {
        Ok(n) => println!(
            "read once instead (recommended): blas_threads() = {n}, parsed from {VAR} on first \
             use (1 when unset); a test overrides that value for its own thread with \
             blas_threads::override_with(4, || ..) (the `testing` feature) and never touches \
             the environment"
        ),
        Err(e) => println!("read once instead (recommended): blas_threads() refused {e}"),
    }
    // SAFETY: this thread is the only one of the tour running now.
    let invalid = unsafe { env::with_var(VAR, Some("twelve"), || env::var_or::<usize>(VAR, 1)) };
    if let Err(e) = invalid {
        println!("  a value that does not parse is an error, not the default: {e}");
    }
}

fn set_at_start_up() {
    let (stop, stopped) = mpsc::channel::<()>();
    let worker = thread::spawn(move || stopped.recv());
    match env::set_before_threads(&[("PYTHONHASHSEED", Some("0"))]) {
        Ok(()) => println!("set at start-up: set PYTHONHASHSEED (this platform needs no check)"),
        Err(e) => println!(
            "set at start-up (set_global_determinism's variables), with a worker thread running: {e}"
        ),
    }
    drop(stop);
    let _ = worker.join();
}

pub(crate) fn run() {
    println!("\n== environment variables ==");
    lost_restore_in_python();
    with_vars_serialises_the_scopes();
    read_once();
    set_at_start_up();
}
