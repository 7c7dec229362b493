//! Loom models of `flight.rs`, the cache's single-flight state machine.
//!
//! Modelled: the deadline atomic, the state mutex and condvar, the busy flag, epochs,
//! waiting for the first load, serving the old value during a reload, invalidation
//! racing a load, `reload` racing `get`, a panicking loader, and telling subscribers
//! (`reloads.rs`: a blocking waiter and a registered waker are never left asleep).
//! Not modelled: arc-swap (the slot is a mutex stand-in, see `slot.rs`), the file
//! system (a `Fake` source holds a version number in a loom atomic; "what was seen" is
//! that number), and clock time (callers pass fixed clock readings).
//!
//! Run: `RUSTFLAGS="--cfg singleton_loom" CARGO_TARGET_DIR=target/loom cargo test --release -p
//! singleton-runtime --lib loom`.

use std::sync::Arc;
use std::time::SystemTime;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

use super::flight::{Core, Loaded, Source};

/// A file stand-in: `version` is its content; `loads` counts loader runs; a load of
/// version 0 fails, as a missing file would.
struct Fake {
    version: AtomicUsize,
    loads: AtomicUsize,
    /// When set, `still_current` always says yes: a rewrite the fingerprint misses.
    blind: bool,
}

impl Fake {
    fn new(version: usize, blind: bool) -> Arc<Self> {
        Arc::new(Self {
            version: AtomicUsize::new(version),
            loads: AtomicUsize::new(0),
            blind,
        })
    }
}

struct Probe<'a>(&'a Fake);

impl Source<usize, &'static str, usize> for Probe<'_> {
    fn still_current(&self, seen: &usize) -> bool {
        self.0.blind || self.0.version.load(Ordering::SeqCst) == *seen
    }

    fn load(&self) -> Loaded<usize, &'static str, usize> {
        self.0.loads.fetch_add(1, Ordering::SeqCst);
        let version = self.0.version.load(Ordering::SeqCst);
        let result = if version == 0 {
            Err("missing")
        } else {
            Ok(version)
        };
        Loaded {
            result,
            seen: version,
            at: SystemTime::UNIX_EPOCH,
        }
    }
}

type Cache = Core<usize, &'static str, usize>;

/// Deadlines are a clock reading plus an interval; the models call at clock 10 with a
/// long interval, so a checked value stays current for the whole model.
const NOW: u64 = 10;
const LONG: u64 = 1_000;

fn get(cache: &Cache, fake: &Fake) -> Result<Arc<usize>, Arc<&'static str>> {
    cache.get(NOW, LONG, || Probe(fake))
}

#[test]
fn loom_first_load_runs_once_and_is_shared() {
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(1, false);
        let other = {
            let (cache, fake) = (Arc::clone(&cache), Arc::clone(&fake));
            thread::spawn(move || get(&cache, &fake).unwrap())
        };
        let mine = get(&cache, &fake).unwrap();
        let theirs = other.join().unwrap();
        assert_eq!(fake.loads.load(Ordering::SeqCst), 1);
        assert!(Arc::ptr_eq(&mine, &theirs));
        assert_eq!(*mine, 1);
    });
}

#[test]
fn loom_first_load_failure_is_shared_not_repeated() {
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(0, false);
        let other = {
            let (cache, fake) = (Arc::clone(&cache), Arc::clone(&fake));
            thread::spawn(move || get(&cache, &fake).unwrap_err())
        };
        let mine = get(&cache, &fake).unwrap_err();
        let theirs = other.join().unwrap();
        // The second caller either waited for the load or found the unchanged "file"
        // and returned the recorded error: one loader run, one shared error.
        assert_eq!(fake.loads.load(Ordering::SeqCst), 1);
        assert!(Arc::ptr_eq(&mine, &theirs));
        assert_eq!(cache.status().failures, 1);
    });
}

#[test]
fn loom_invalidate_during_a_load_is_not_lost() {
    // The writer changes the "file" in a way its fingerprint misses (blind), then
    // invalidates; its next get must see the new version even if a reader's load of
    // the old version was in flight across the invalidation.
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(1, true);
        let reader = {
            let (cache, fake) = (Arc::clone(&cache), Arc::clone(&fake));
            thread::spawn(move || *get(&cache, &fake).unwrap())
        };
        fake.version.store(2, Ordering::SeqCst);
        cache.invalidate();
        // Whether the reader has a value, is loading the old version, or has not
        // started: a call after `invalidate` gets a load that started after it.
        let seen = *get(&cache, &fake).unwrap();
        assert_eq!(seen, 2);
        assert!(reader.join().unwrap() >= 1);
        // And the cache stays on 2 for everyone from now on.
        assert_eq!(*get(&cache, &fake).unwrap(), 2);
    });
}

#[test]
fn loom_invalidate_is_not_served_the_old_value_during_a_stale_check() {
    // A value exists; a reader's check (of a rewrite the fingerprint misses) is in
    // flight when the writer invalidates: the writer must not be handed the old value.
    const LATER: u64 = NOW + LONG + 1;
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(1, true);
        assert_eq!(*get(&cache, &fake).unwrap(), 1);
        let reader = {
            let (cache, fake) = (Arc::clone(&cache), Arc::clone(&fake));
            thread::spawn(move || *cache.get(LATER, LONG, || Probe(&fake)).unwrap())
        };
        fake.version.store(2, Ordering::SeqCst);
        cache.invalidate();
        assert_eq!(*cache.get(LATER, LONG, || Probe(&fake)).unwrap(), 2);
        assert!(reader.join().unwrap() >= 1);
        assert_eq!(
            fake.loads.load(Ordering::SeqCst),
            2,
            "the first load and one after invalidate"
        );
    });
}

#[test]
fn loom_an_expiry_racing_a_check_is_not_undone() {
    // The watcher: the "file" changes, then `expire`. A caller's check of the old
    // version may be in flight across both; when it finishes, either it saw the new
    // version, or the next call checks again (the expiry stands).
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(1, false);
        assert_eq!(*get(&cache, &fake).unwrap(), 1);
        let later = NOW + LONG + 1;
        let checker = {
            let (cache, fake) = (Arc::clone(&cache), Arc::clone(&fake));
            thread::spawn(move || {
                let _ = cache.get(later, LONG, || Probe(&fake));
            })
        };
        fake.version.store(2, Ordering::SeqCst);
        cache.expire();
        checker.join().unwrap();
        let current = *cache.peek().unwrap();
        assert!(
            current == 2 || !cache.fresh(later),
            "the change reported by the expiry waits for the interval"
        );
    });
}

#[test]
fn loom_reload_returns_a_load_that_started_after_it() {
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(1, true);
        let reader = {
            let (cache, fake) = (Arc::clone(&cache), Arc::clone(&fake));
            thread::spawn(move || *get(&cache, &fake).unwrap())
        };
        fake.version.store(2, Ordering::SeqCst);
        let fresh = cache.reload(NOW, LONG, || Probe(&fake)).unwrap();
        assert_eq!(*fresh, 2);
        assert!(reader.join().unwrap() >= 1);
    });
}

#[test]
fn loom_readers_keep_the_old_value_while_one_reloads() {
    // The "file" changes; once the deadline has passed, one caller reloads and the
    // other is served the previous value meanwhile (or the new one, after).
    const LATER: u64 = NOW + LONG + 1;
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(1, false);
        assert_eq!(*get(&cache, &fake).unwrap(), 1);
        fake.version.store(2, Ordering::SeqCst);
        let other = {
            let (cache, fake) = (Arc::clone(&cache), Arc::clone(&fake));
            thread::spawn(move || *cache.get(LATER, LONG, || Probe(&fake)).unwrap())
        };
        let mine = *cache.get(LATER, LONG, || Probe(&fake)).unwrap();
        let theirs = other.join().unwrap();
        // Exactly one of the two reloaded; the other got 1 (served during the reload)
        // or 2 (after it). Never a third load.
        assert_eq!(fake.loads.load(Ordering::SeqCst), 2);
        assert!(mine == 2 || theirs == 2);
        assert!((1..=2).contains(&mine) && (1..=2).contains(&theirs));
        assert_eq!(*cache.get(LATER, LONG, || Probe(&fake)).unwrap(), 2);
    });
}

struct Panicking;

impl Source<usize, &'static str, usize> for Panicking {
    fn still_current(&self, _: &usize) -> bool {
        false
    }

    fn load(&self) -> Loaded<usize, &'static str, usize> {
        panic!("loader bug");
    }
}

#[test]
fn loom_a_panicking_loader_releases_waiters() {
    quiet_loader_panics();
    loom::model(|| {
        let cache = Arc::new(Cache::new());
        let fake = Fake::new(3, false);
        let panicker = {
            let cache = Arc::clone(&cache);
            thread::spawn(move || {
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cache.reload(NOW, LONG, || Panicking)
                }));
                assert!(caught.is_err());
            })
        };
        // Waits for the panicking load if it is in flight, then loads itself.
        assert_eq!(*get(&cache, &fake).unwrap(), 3);
        panicker.join().unwrap();
    });
}

/// A cache with no value, its store count, and a thread that loads version 1 into it.
fn reload_on_another_thread() -> (Arc<Cache>, u64, thread::JoinHandle<()>) {
    let cache = Arc::new(Cache::new());
    let fake = Fake::new(1, false);
    let seen = cache.stores();
    let reloader = {
        let cache = Arc::clone(&cache);
        thread::spawn(move || {
            cache.reload(NOW, LONG, || Probe(&fake)).unwrap();
        })
    };
    (cache, seen, reloader)
}

/// A subscriber waiting as `Subscription::recv_timeout` does (under loom the timed
/// wait is a wait for a notification) is woken by the reload, whichever runs first,
/// and then reads the new value with its generation.
#[test]
fn loom_a_waiting_subscriber_is_never_left_asleep() {
    loom::model(|| {
        let (cache, seen, reloader) = reload_on_another_thread();
        while cache.stores() == seen {
            let timeout = std::time::Duration::from_secs(1);
            cache.reloads().wait(timeout, || cache.stores() == seen);
        }
        let (value, _) = cache.with_generation();
        assert_eq!(
            value.map(|(value, generation)| (*value, generation)),
            Some((1, 1))
        );
        reloader.join().unwrap();
    });
}

/// Sets a flag when woken.
struct Flag(loom::sync::atomic::AtomicBool);

impl std::task::Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A future registering its waker while a reload runs either sees the reload or is
/// woken by it.
#[test]
fn loom_a_registered_future_is_woken_or_sees_the_reload() {
    loom::model(|| {
        let (cache, seen, reloader) = reload_on_another_thread();
        let flag = Arc::new(Flag(loom::sync::atomic::AtomicBool::new(false)));
        let waker = std::task::Waker::from(Arc::clone(&flag));
        let id = cache.reloads().subscribe();
        let pending = cache
            .reloads()
            .register(id, &waker, || cache.stores() == seen);
        reloader.join().unwrap();
        assert!(!pending || flag.0.load(Ordering::SeqCst), "left asleep");
    });
}

/// Keeps the expected "loader bug" panics of every model iteration out of the output.
fn quiet_loader_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"loader bug") {
            default(info);
        }
    }));
}
