//! `#[singleton]` on `async fn` and with `init = async ...`: one run of the initialiser
//! whatever the tasks, threads and executors; cancelled callers never restart it; `Err`
//! and panics store nothing; cycles (one task, across tasks, mixed with sync
//! singletons) panic with the chain instead of hanging.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use singleton_runtime::singleton;
use support::{panic_message, within};

/// A multi-thread tokio runtime with 4 workers.
fn multi_thread() -> tokio::runtime::Runtime {
    support::tokio_multi_thread(4)
}

fn current_thread() -> tokio::runtime::Runtime {
    support::tokio_current_thread()
}

static SLOW_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn slow_config() -> String {
    SLOW_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(30)).await;
    "config".to_owned()
}

#[test]
fn many_tasks_on_a_multi_thread_runtime_share_one_run() {
    within("multi_thread", Duration::from_secs(20), || {
        multi_thread().block_on(async {
            assert_eq!(slow_config::get(), None);
            let tasks: Vec<_> = (0..64)
                .map(|_| tokio::spawn(async { std::ptr::from_ref(slow_config().await).addr() }))
                .collect();
            let mut seen = Vec::new();
            for task in tasks {
                seen.push(task.await.unwrap());
            }
            assert!(seen.iter().all(|a| *a == seen[0]));
        });
    });
    assert_eq!(SLOW_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(slow_config::get().map(String::as_str), Some("config"));
}

static CURRENT_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Its initialiser waits for a message sent by a task spawned after every waiter: if a
/// waiter blocked the (only) thread, the sender could never run.
// singleton-audit: allow(test instrumentation: hands the initialiser the receiver the test sends on)
static RELEASE: std::sync::Mutex<Option<tokio::sync::oneshot::Receiver<u32>>> =
    std::sync::Mutex::new(None);

#[singleton]
async fn released_later() -> u32 {
    CURRENT_RUNS.fetch_add(1, Ordering::SeqCst);
    let receiver = RELEASE.lock().unwrap().take().expect("one run");
    receiver.await.unwrap()
}

#[test]
fn waiters_on_a_current_thread_runtime_never_block_its_thread() {
    within("current_thread", Duration::from_secs(20), || {
        current_thread().block_on(async {
            let (send, receive) = tokio::sync::oneshot::channel();
            *RELEASE.lock().unwrap() = Some(receive);
            let waiters: Vec<_> = (0..16).map(|_| tokio::spawn(released_later())).collect();
            tokio::task::yield_now().await;
            tokio::spawn(async move { send.send(42).unwrap() });
            for waiter in waiters {
                assert_eq!(*waiter.await.unwrap(), 42);
            }
        });
    });
    assert_eq!(CURRENT_RUNS.load(Ordering::SeqCst), 1);
}

static BLOCK_ON_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn from_block_on() -> Vec<u8> {
    BLOCK_ON_RUNS.fetch_add(1, Ordering::SeqCst);
    // Yields a few times, so that the other threads find the run in progress.
    for _ in 0..10 {
        yield_now().await;
    }
    vec![1, 2, 3]
}

/// Pending once, asking to be polled again: an executor-independent `yield_now`.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

#[test]
fn threads_each_in_futures_block_on_share_one_run() {
    within("block_on", Duration::from_secs(20), || {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| futures::executor::block_on(from_block_on())))
                .collect();
            for handle in handles {
                assert_eq!(handle.join().unwrap(), &[1, 2, 3]);
            }
        });
    });
    assert_eq!(BLOCK_ON_RUNS.load(Ordering::SeqCst), 1);
}

static FLAKY_CALLS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn flaky() -> Result<u16, String> {
    match FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) {
        0 => Err("first attempt fails".to_owned()),
        1 => panic!("second attempt panics"),
        n => Ok(u16::try_from(n).unwrap()),
    }
}

#[test]
fn an_err_or_a_panic_stores_nothing_and_the_next_call_retries() {
    within("retry", Duration::from_secs(20), || {
        multi_thread().block_on(async {
            assert_eq!(flaky().await, Err("first attempt fails".to_owned()));
            assert_eq!(flaky::get(), None);
            let panicked = tokio::spawn(flaky()).await.unwrap_err();
            assert!(panicked.is_panic());
            assert_eq!(flaky::get(), None);
            assert_eq!(flaky().await, Ok(&2));
            assert_eq!(flaky().await, Ok(&2));
        });
    });
    assert_eq!(FLAKY_CALLS.load(Ordering::SeqCst), 3);
}

/// tokio#4496: 100 callers, each retrying with a short timeout, on a long initialiser.
/// Every timeout cancels the caller that was driving the initialiser; here the next
/// caller continues the same future, so it runs once. The same scenario on tokio's
/// `OnceCell` (which restarts, by design) shows that the scenario does cancel drivers.
#[test]
fn cancelled_callers_never_restart_the_initialiser() {
    static OURS: AtomicUsize = AtomicUsize::new(0);
    static TOKIO: AtomicUsize = AtomicUsize::new(0);

    #[singleton]
    async fn long_init() -> &'static str {
        OURS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(250)).await;
        "done"
    }

    // singleton-audit: allow(the anchor the scenario is compared with: tokio's OnceCell)
    static TOKIO_CELL: tokio::sync::OnceCell<&'static str> = tokio::sync::OnceCell::const_new();

    let ours = within("tokio#4496", Duration::from_secs(20), || {
        multi_thread().block_on(async {
            let callers: Vec<_> = (0..100)
                .map(|_| {
                    tokio::spawn(async {
                        let mut timeouts = 0_usize;
                        loop {
                            match tokio::time::timeout(Duration::from_millis(50), long_init()).await
                            {
                                Ok(value) => return (*value, timeouts),
                                Err(_) => timeouts += 1,
                            }
                        }
                    })
                })
                .collect();
            let mut timeouts = 0;
            for caller in callers {
                let (value, t) = caller.await.unwrap();
                assert_eq!(value, "done");
                timeouts += t;
            }
            // The anchor, as in tokio#4496: each caller makes one attempt, the callers
            // arriving 5 ms apart, for twice the initialiser's duration.
            let mut anchor = Vec::new();
            for _ in 0..100 {
                anchor.push(tokio::spawn(async {
                    let init = TOKIO_CELL.get_or_init(|| async {
                        TOKIO.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        "done"
                    });
                    let _ = tokio::time::timeout(Duration::from_millis(50), init).await;
                }));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            for caller in anchor {
                caller.await.unwrap();
            }
            timeouts
        })
    });
    println!(
        "tokio#4496 scenario: our initialiser ran {} time(s) ({ours} timeouts); tokio's OnceCell ran it {} times",
        OURS.load(Ordering::SeqCst),
        TOKIO.load(Ordering::SeqCst)
    );
    assert!(ours > 0, "callers timed out, so drivers were cancelled");
    assert!(
        TOKIO.load(Ordering::SeqCst) > 1,
        "the scenario cancels the driving caller"
    );
    assert_eq!(OURS.load(Ordering::SeqCst), 1);
}

/// The same scenario on tokio's paused clock, on a current-thread runtime.
#[test]
fn cancelled_callers_on_a_paused_clock_never_restart_the_initialiser() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);

    #[singleton]
    async fn five_seconds() -> u64 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(5)).await;
        5
    }

    within("paused clock", Duration::from_secs(20), || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let callers: Vec<_> = (0..100)
                .map(|_| {
                    tokio::spawn(async {
                        loop {
                            if let Ok(v) =
                                tokio::time::timeout(Duration::from_secs(1), five_seconds()).await
                            {
                                return *v;
                            }
                        }
                    })
                })
                .collect();
            for caller in callers {
                assert_eq!(caller.await.unwrap(), 5);
            }
        });
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
}

#[singleton]
async fn narcissus() -> u8 {
    *narcissus().await + 1
}

#[test]
fn an_initialiser_awaiting_itself_panics_with_its_name() {
    let outcome = support::run_with_timeout("narcissus", || {
        futures::executor::block_on(narcissus());
    });
    let message = panic_message(&*outcome.unwrap_err());
    assert!(
        message.starts_with("singleton init cycle: narcissus -> narcissus"),
        "{message}"
    );
}

/// Seed 003's pair, wired in a cycle through each other.
#[singleton]
async fn health_monitor() -> Vec<String> {
    incident_manager().await.clone()
}

#[singleton]
async fn incident_manager() -> Vec<String> {
    health_monitor().await.clone()
}

#[test]
fn a_cycle_through_another_async_singleton_panics_naming_the_chain() {
    let outcome = support::run_with_timeout("seed 003", || {
        current_thread().block_on(health_monitor());
    });
    let message = panic_message(&*outcome.unwrap_err());
    assert!(
        message.contains("health_monitor -> incident_manager -> health_monitor"),
        "{message}"
    );
}

/// Task 1 initialises `alpha` and awaits `beta` while task 2 initialises `beta` and
/// awaits `alpha`: both are reported, not left pending, on one thread and on many.
fn cross_task_cycle(runtime: &tokio::runtime::Runtime) -> Vec<String> {
    runtime.block_on(async {
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let (g1, g2) = (gate.clone(), gate);
        let one = tokio::spawn(async move { *cycle_alpha(g1).await });
        let two = tokio::spawn(async move { *cycle_beta(g2).await });
        let mut messages = Vec::new();
        for task in [one, two] {
            let error = task.await.unwrap_err();
            messages.push(panic_message(&*error.into_panic()));
        }
        messages
    })
}

// singleton-audit: allow(test instrumentation: the barrier both runs meet)
static ALPHA_GATE: std::sync::Mutex<Option<std::sync::Arc<tokio::sync::Barrier>>> =
    std::sync::Mutex::new(None);
// singleton-audit: allow(test instrumentation: the barrier both runs meet)
static BETA_GATE: std::sync::Mutex<Option<std::sync::Arc<tokio::sync::Barrier>>> =
    std::sync::Mutex::new(None);

async fn cycle_alpha(gate: std::sync::Arc<tokio::sync::Barrier>) -> &'static u8 {
    *ALPHA_GATE.lock().unwrap() = Some(gate);
    alpha().await
}

async fn cycle_beta(gate: std::sync::Arc<tokio::sync::Barrier>) -> &'static u8 {
    *BETA_GATE.lock().unwrap() = Some(gate);
    beta().await
}

#[singleton]
async fn alpha() -> u8 {
    let gate = ALPHA_GATE.lock().unwrap().take();
    if let Some(gate) = gate {
        gate.wait().await; // both runs have started
    }
    *beta().await
}

#[singleton]
async fn beta() -> u8 {
    let gate = BETA_GATE.lock().unwrap().take();
    if let Some(gate) = gate {
        gate.wait().await;
    }
    *alpha().await
}

#[test]
fn a_cycle_across_two_tasks_on_one_thread_is_reported() {
    let messages = within("cross-task", Duration::from_secs(20), || {
        cross_task_cycle(&current_thread())
    });
    for message in &messages {
        assert!(message.contains("singleton init cycle"), "{message}");
        assert!(
            message.contains("alpha -> beta -> alpha") || message.contains("beta -> alpha -> beta"),
            "{message}"
        );
    }
    assert!(
        messages.iter().any(|m| m.contains("across tasks")),
        "{messages:?}"
    );
}

static MIXED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn async_side() -> u32 {
    MIXED_RUNS.fetch_add(1, Ordering::SeqCst);
    *sync_side() + 1
}

/// A sync singleton whose initialiser blocks on the async one that needs it (with a
/// `block_on` of its own: `futures`' refuses to nest).
#[singleton]
fn sync_side() -> u32 {
    *park_on(async_side()) + 1
}

/// Polls `future` to completion on this thread, parking between polls.
fn park_on<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(value) = future
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker))
        {
            return value;
        }
        std::thread::park();
    }
}

#[test]
fn a_cycle_through_a_sync_singleton_is_in_the_same_graph() {
    let outcome = support::run_with_timeout("mixed", || {
        futures::executor::block_on(async_side());
    });
    let message = panic_message(&*outcome.unwrap_err());
    assert!(
        message.contains("async_side -> sync_side -> async_side"),
        "{message}"
    );
}

/// The struct form with an async initialiser, plain and fallible.
#[singleton(init = async Pool::connect)]
pub struct Pool {
    size: usize,
}

impl Pool {
    async fn connect() -> Self {
        tokio::task::yield_now().await;
        Pool { size: 8 }
    }
}

/// `Remote`'s error.
#[derive(Debug, PartialEq)]
pub struct Unreachable;

static DIALS: AtomicUsize = AtomicUsize::new(0);

/// Fails on its first dial.
#[singleton(init = async Remote::dial, error = Unreachable)]
pub struct Remote {
    attempts: usize,
}

impl Remote {
    async fn dial() -> Result<Self, Unreachable> {
        tokio::task::yield_now().await;
        match DIALS.fetch_add(1, Ordering::SeqCst) {
            0 => Err(Unreachable),
            n => Ok(Remote { attempts: n + 1 }),
        }
    }
}

#[test]
fn struct_forms_with_an_async_initialiser() {
    within("struct forms", Duration::from_secs(20), || {
        multi_thread().block_on(async {
            assert!(Pool::instance_if_ready().is_none());
            assert_eq!(tokio::spawn(Pool::instance()).await.unwrap().size, 8);
            assert_eq!(Pool::instance_if_ready().map(|p| p.size), Some(8));
            assert_eq!(Remote::instance().await.err(), Some(Unreachable));
            assert_eq!(Remote::instance().await.map(|r| r.attempts), Ok(2));
        });
    });
}

#[singleton]
async fn endpoint() -> String {
    "https://prod.example".to_owned()
}

#[test]
fn async_singletons_take_overrides_and_resets() {
    endpoint::override_with("http://localhost".to_owned(), || {
        assert_eq!(futures::executor::block_on(endpoint()), "http://localhost");
        assert_eq!(
            endpoint::get().map(String::as_str),
            Some("http://localhost")
        );
    });
    let prod = futures::executor::block_on(endpoint());
    assert_eq!(prod, "https://prod.example");
    endpoint::reset();
    assert_eq!(endpoint::get(), None);
    let again = futures::executor::block_on(endpoint());
    assert!(!std::ptr::eq(prod, again), "a new generation");
    assert_eq!(prod, "https://prod.example", "the old one stays valid");
}

/// The future of an async singleton is `Send` when its value and initialiser are:
/// it can be `tokio::spawn`ed (checked at compile time).
#[test]
fn the_returned_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&slow_config());
    assert_send(&flaky());
    assert_send(&Pool::instance());
    assert_send(&Remote::instance());
}

#[singleton]
async fn async_holder() -> u32 {
    // Lets the blocking side claim `sync_waiter` and start waiting for this run.
    tokio::time::sleep(Duration::from_millis(200)).await;
    *sync_waiter() + 1
}

/// A sync singleton whose initialiser, on a plain thread, blocks on the async one,
/// whose run (on a runtime's worker) needs this one: a cycle between a blocked thread
/// and an async run, reported on both sides.
#[singleton]
fn sync_waiter() -> u32 {
    *park_on(async_holder()) + 1
}

#[test]
fn a_cycle_between_a_blocked_thread_and_an_async_run_is_reported() {
    // All of it on a thread of its own: were the cycle missed, the run would stay
    // blocked and dropping the runtime would wait for it forever.
    let messages = within("mixed cycle", Duration::from_secs(30), || {
        let runtime = multi_thread();
        let run = runtime.spawn(async_holder());
        std::thread::sleep(Duration::from_millis(50)); // the run has started
        let handle = runtime.handle().clone();
        let blocked = support::run_with_timeout("blocking side", move || {
            let _runtime = handle.enter(); // for the sleep, if this thread drives a run
            sync_waiter();
        });
        let on_the_thread = panic_message(&*blocked.unwrap_err());
        let error = runtime.block_on(run).unwrap_err();
        [on_the_thread, panic_message(&*error.into_panic())]
    });
    for message in &messages {
        assert!(message.contains("cycle"), "{message}");
        assert!(
            message.contains("async_holder -> sync_waiter -> async_holder")
                || message.contains("sync_waiter -> async_holder -> sync_waiter"),
            "{message}"
        );
    }
}
