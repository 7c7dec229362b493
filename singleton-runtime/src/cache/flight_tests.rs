//! Unit tests of `flight.rs` on real threads (the loom models are in `loom_tests.rs`).

use std::sync::Mutex;
use std::sync::mpsc;
use std::time::SystemTime;

use super::flight::{Core, Loaded, Source};
use crate::test_support::within_timeout;

/// The check interval of the test, in clock units.
const INTERVAL: u64 = 1_000;

/// A source whose check (`still_current`) says "unchanged", but first reports that it
/// started and waits to be let go.
struct Held {
    started: Mutex<Option<mpsc::Sender<()>>>,
    go: Mutex<Option<mpsc::Receiver<()>>>,
}

impl Source<u32, &'static str, u32> for &Held {
    fn still_current(&self, _seen: &u32) -> bool {
        if let Some(started) = self.started.lock().unwrap().take() {
            started.send(()).unwrap();
            let go = self.go.lock().unwrap().take().unwrap();
            go.recv().unwrap();
        }
        true
    }

    fn load(&self) -> Loaded<u32, &'static str, u32> {
        Loaded {
            result: Ok(1),
            seen: 1,
            at: SystemTime::UNIX_EPOCH,
        }
    }
}

/// An event of the watcher (`expire`) that arrives while another caller checks the
/// file (after its `stat`, before it records "unchanged") must still make the next
/// call check: the change it reports may be after that `stat`.
#[test]
fn an_expiry_during_a_check_is_not_undone_when_the_check_finishes() {
    within_timeout(|| {
        // singleton-audit: allow(test: a cache core shared with the checking thread)
        static CORE: Core<u32, &'static str, u32> = Core::new();
        // A static, not a leaked box: Miri reports a leak as an error.
        // singleton-audit: allow(test: the source shared with the checking thread)
        static HELD: Held = Held {
            started: Mutex::new(None),
            go: Mutex::new(None),
        };
        let (started, on_start) = mpsc::channel();
        let (let_go, go) = mpsc::channel();
        *HELD.started.lock().unwrap() = Some(started);
        *HELD.go.lock().unwrap() = Some(go);
        let held: &'static Held = &HELD;
        assert_eq!(*CORE.get(10, INTERVAL, || held).unwrap(), 1, "first load");
        let checker = std::thread::spawn(move || *CORE.get(2_000, INTERVAL, || held).unwrap());
        on_start.recv().unwrap();
        // The watcher's event: expire, then look (the check in flight is served).
        CORE.expire();
        assert_eq!(*CORE.get(2_000, INTERVAL, || held).unwrap(), 1);
        let_go.send(()).unwrap();
        assert_eq!(checker.join().unwrap(), 1);
        assert!(
            !CORE.fresh(2_001),
            "the expiry was undone: the change it reported waits for the interval"
        );
    });
}
