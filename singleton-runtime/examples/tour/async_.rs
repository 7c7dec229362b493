//! Seed 003: the health monitor and incident manager, async singletons behind
//! `async def get_instance()` + `asyncio.Lock` in Python. Here: many callers on many
//! threads, each giving up after a short timeout and trying again (tokio#4496's
//! scenario), and the initialiser still runs once.
//!
//! The tour has no executor dependency (its first build must stay fast): a parking
//! `block_on`, a timer thread per sleep and a timeout combinator, a few lines each,
//! stand in for a runtime; the singletons are runtime-agnostic.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use singleton_runtime::singleton;

static MONITOR_RUNS: AtomicUsize = AtomicUsize::new(0);
static MANAGER_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Seed 003's `HealthMonitor`: its set-up takes a while (connections, a first probe).
pub(crate) struct HealthMonitor {
    checks: Vec<&'static str>,
}

#[singleton]
async fn health_monitor() -> HealthMonitor {
    MONITOR_RUNS.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(300)).await;
    HealthMonitor {
        checks: vec!["database", "queue", "disk"],
    }
}

/// Seed 003's `IncidentManager`, which needs the monitor.
#[singleton(init = async IncidentManager::start)]
pub(crate) struct IncidentManager {
    watched: usize,
}

impl IncidentManager {
    async fn start() -> Self {
        MANAGER_RUNS.fetch_add(1, Ordering::SeqCst);
        let monitor = health_monitor().await;
        IncidentManager {
            watched: monitor.checks.len(),
        }
    }
}

pub(crate) fn run() {
    println!("\n== seed 003: async singletons with cancelled callers ==");
    let timeouts = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..16)
        .map(|i| {
            let timeouts = timeouts.clone();
            thread::spawn(move || {
                loop {
                    let attempt = async {
                        if i % 2 == 0 {
                            health_monitor().await.checks.len()
                        } else {
                            IncidentManager::instance().await.watched
                        }
                    };
                    // Each attempt gives up after 40 ms: its future is dropped, and with
                    // it the task that may have been polling the initialiser.
                    match block_on(timeout(Duration::from_millis(40), attempt)) {
                        Some(n) => return n,
                        None => {
                            timeouts.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.join().unwrap(), 3);
    }
    println!(
        "16 callers on 16 threads, 40 ms timeouts, a 300 ms initialiser: {} timeouts; \
         health_monitor's initialiser ran {} time(s), IncidentManager's {} time(s) \
         (tokio's OnceCell restarts on every cancelled driver: 6 runs in tokio#4496)",
        timeouts.load(Ordering::SeqCst),
        MONITOR_RUNS.load(Ordering::SeqCst),
        MANAGER_RUNS.load(Ordering::SeqCst),
    );
    assert_eq!(MONITOR_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(MANAGER_RUNS.load(Ordering::SeqCst), 1);
    println!(
        "sync code reads without waiting: health_monitor::get() is {}",
        if health_monitor::get().is_some() {
            "Some"
        } else {
            "None"
        }
    );
}

/// Polls `future` on this thread to completion, parking while it is pending.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            return value;
        }
        thread::park();
    }
}

/// Ready after `duration` (a timer thread wakes the latest waker).
fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
    let state: Arc<(AtomicBool, Mutex<Option<Waker>>)> = Arc::default();
    let mut started = false;
    std::future::poll_fn(move |cx| {
        if state.0.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        *state.1.lock().unwrap() = Some(cx.waker().clone());
        if !started {
            started = true;
            let state = state.clone();
            thread::spawn(move || {
                thread::sleep(duration);
                state.0.store(true, Ordering::SeqCst);
                if let Some(waker) = state.1.lock().unwrap().take() {
                    waker.wake();
                }
            });
        }
        // Set before the waker was stored: look again.
        if state.0.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
}

/// `future`'s output, or `None` if `limit` passes first (then `future` is dropped).
async fn timeout<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut timer = pin!(sleep(limit));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(value) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(value));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}
