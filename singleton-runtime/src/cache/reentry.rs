//! Which caches this thread is running user code of, outside the single flight (the
//! `check_interval` expression, the `path` expression while starting the watcher): that
//! code asking for its own cache would run itself again (forever, or inside a
//! `OnceLock`'s initialiser that would wait for itself). The caller refuses instead.

use std::cell::RefCell;

/// What user code of a cache is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Running {
    /// The `check_interval` expression.
    Interval,
    /// The `path` expression, while the watcher starts.
    #[cfg_attr(not(all(feature = "watch", not(singleton_loom))), allow(dead_code))]
    WatchStart,
}

thread_local! {
    static RUNNING: RefCell<Vec<(usize, Running)>> = const { RefCell::new(Vec::new()) };
}

/// This thread runs `what` of cache `key` until dropped.
pub(crate) struct Entered(Option<(usize, Running)>);

impl Entered {
    /// `None` if this thread is already running `what` of cache `key` (a re-entry).
    /// Outside any tracking while the thread's locals are being destroyed.
    pub(crate) fn enter(key: usize, what: Running) -> Option<Self> {
        let entry = (key, what);
        match RUNNING.try_with(|running| {
            let mut running = running.borrow_mut();
            if running.contains(&entry) {
                return false;
            }
            running.push(entry);
            true
        }) {
            Ok(true) => Some(Self(Some(entry))),
            Ok(false) => None,
            Err(_) => Some(Self(None)),
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        if let Some(entry) = self.0 {
            let _ = RUNNING.try_with(|running| {
                let mut running = running.borrow_mut();
                if let Some(at) = running.iter().rposition(|e| *e == entry) {
                    running.remove(at);
                }
            });
        }
    }
}
