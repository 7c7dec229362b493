//! `#[invalidating_cache]` under adversarial review: each test here failed before the
//! fix it guards (see the commit that added it). Real files, real threads, timeouts.

mod support;

use std::path::{Path, PathBuf};

use std::time::Duration;

use singleton_runtime::invalidating_cache;
use support::{DEADLOCK_TIMEOUT, outcome_within, panic_message, within};

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
