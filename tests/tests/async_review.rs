//! Adversarial cases of `#[singleton] async fn`: runs nested in runs whose callers all
//! went away, futures moved between tasks, cancellation at every await point.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use singleton_runtime::singleton;
use support::within;

fn multi_thread() -> tokio::runtime::Runtime {
    support::tokio_multi_thread(2)
}

static INNER_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn inner_config() -> u32 {
    INNER_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    7
}

#[singleton]
async fn outer_service() -> u32 {
    *inner_config().await + 1
}

/// The only caller of `outer_service` is cancelled while its initialiser awaits
/// `inner_config`, whose run it had started (so the future driving `inner_config`'s run
/// lives inside `outer_service`'s parked run, which nobody polls). A later caller of
/// `inner_config` alone must still get the value: the next waiter drives the run.
#[test]
fn a_run_started_inside_an_abandoned_run_is_driven_by_its_own_waiters() {
    let got = within("nested abandoned run", Duration::from_secs(20), || {
        multi_thread().block_on(async {
            let cancelled = tokio::time::timeout(Duration::from_millis(10), outer_service()).await;
            assert!(cancelled.is_err(), "the outer caller times out");
            tokio::time::timeout(Duration::from_secs(5), inner_config())
                .await
                .copied()
        })
    });
    assert_eq!(got, Ok(7), "inner_config's waiter was never woken");
    assert_eq!(INNER_RUNS.load(Ordering::SeqCst), 1);
}

static INNER2_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn inner_two() -> u32 {
    INNER2_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    3
}

#[singleton]
async fn outer_two() -> u32 {
    *inner_two().await * 2
}

/// As above, but the caller of the inner singleton was already waiting when the outer
/// caller went away, on a current-thread runtime.
#[test]
fn a_waiter_registered_before_the_outer_run_was_abandoned_is_not_stranded() {
    let got = within(
        "nested abandoned run, waiter first",
        Duration::from_secs(20),
        || {
            support::tokio_current_thread().block_on(async {
                let outer =
                    tokio::spawn(tokio::time::timeout(Duration::from_millis(30), outer_two()));
                tokio::time::sleep(Duration::from_millis(5)).await;
                let inner = tokio::spawn(tokio::time::timeout(Duration::from_secs(5), inner_two()));
                assert!(outer.await.unwrap().is_err(), "the outer caller times out");
                inner.await.unwrap().copied()
            })
        },
    );
    assert_eq!(got, Ok(3), "inner_two's waiter was never woken");
    assert_eq!(INNER2_RUNS.load(Ordering::SeqCst), 1);
}

static STORM_RUNS: AtomicUsize = AtomicUsize::new(0);
static STORM_INNER_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn storm_inner() -> u64 {
    STORM_INNER_RUNS.fetch_add(1, Ordering::SeqCst);
    for _ in 0..20 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    40
}

#[singleton]
async fn storm_outer() -> u64 {
    STORM_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    let inner = *storm_inner().await;
    tokio::time::sleep(Duration::from_millis(3)).await;
    inner + 2
}

/// 1000 tasks on a multi-thread runtime, each awaiting one of two nested singletons
/// with a short pseudo-random timeout and trying again: drivers are cancelled at every
/// await point of both initialisers, also the outer run while it drives the inner one.
/// Each initialiser runs exactly once and every task gets the value.
#[test]
fn a_thousand_tasks_with_random_timeouts_run_each_initialiser_once() {
    let values = within("storm", Duration::from_mins(1), || {
        multi_thread().block_on(async {
            let tasks: Vec<_> = (0..1000_u64)
                .map(|i| {
                    tokio::spawn(async move {
                        let mut seed = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                        loop {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            let limit = Duration::from_micros(seed % 4000);
                            let got = if i % 3 == 0 {
                                tokio::time::timeout(limit, storm_inner()).await
                            } else {
                                tokio::time::timeout(limit, storm_outer()).await
                            };
                            if let Ok(value) = got {
                                return (i % 3 == 0, *value);
                            }
                        }
                    })
                })
                .collect();
            let mut values = Vec::new();
            for task in tasks {
                values.push(task.await.unwrap());
            }
            values
        })
    });
    for (inner, value) in values {
        assert_eq!(value, if inner { 40 } else { 42 });
    }
    assert_eq!(STORM_INNER_RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(STORM_RUNS.load(Ordering::SeqCst), 1);
}

type Gate = std::sync::Mutex<Option<std::sync::Arc<tokio::sync::Barrier>>>;

// singleton-audit: allow(test instrumentation: the barrier both first runs meet)
static LEFT_GATE: Gate = std::sync::Mutex::new(None);
// singleton-audit: allow(test instrumentation: the barrier both first runs meet)
static RIGHT_GATE: Gate = std::sync::Mutex::new(None);

#[singleton]
async fn left_hand() -> u8 {
    let gate = LEFT_GATE.lock().unwrap().take(); // the first run only
    if let Some(gate) = gate {
        gate.wait().await;
    }
    *right_hand().await
}

#[singleton]
async fn right_hand() -> u8 {
    let gate = RIGHT_GATE.lock().unwrap().take();
    if let Some(gate) = gate {
        gate.wait().await;
    }
    *left_hand().await
}

/// Two tasks on a multi-thread runtime start the two runs, which then await each other:
/// a cycle across tasks (and threads), reported, never a hang.
#[test]
fn a_cycle_across_tasks_on_two_worker_threads_is_reported() {
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    *LEFT_GATE.lock().unwrap() = Some(gate.clone());
    *RIGHT_GATE.lock().unwrap() = Some(gate);
    let messages = within("cycle on two workers", Duration::from_secs(20), || {
        multi_thread().block_on(async {
            let one = tokio::spawn(left_hand());
            let two = tokio::spawn(right_hand());
            let mut messages = Vec::new();
            for task in [one, two] {
                let error = task.await.unwrap_err();
                messages.push(support::panic_message(&*error.into_panic()));
            }
            messages
        })
    });
    assert!(
        messages.iter().any(|m| m.contains("across tasks")),
        "{messages:?}"
    );
    for message in &messages {
        assert!(
            message.contains("left_hand -> right_hand -> left_hand")
                || message.contains("right_hand -> left_hand -> right_hand"),
            "{message}"
        );
    }
}

macro_rules! async_global {
    ($(#[$meta:meta])* $vis:vis $name:ident: $t:ty = $body:block) => {
        $(#[$meta])*
        #[singleton]
        $vis async fn $name() -> $t $body
    };
}

macro_rules! async_struct {
    ($name:ident, $init:path $(, $error:ty)?) => {
        #[singleton(init = async $init $(, error = $error)?)]
        #[derive(Debug)]
        pub(crate) struct $name(pub(crate) u32);
    };
}

/// (In a module that allows dead code: a `macro_rules`-generated private struct form
/// warns of its unused test tools, see
/// `ui-tests/cases/pass/singleton/macro_rules_private_structs_unused_tools.rs`.)
mod generated {
    #![allow(dead_code)]

    use super::generated_port;
    use singleton_runtime::singleton;

    async fn open_link() -> Link {
        Link(u32::from(*generated_port().await))
    }

    async fn dial() -> Result<Dialed, String> {
        Err::<Dialed, _>("no route".to_owned())
    }

    async_struct!(Link, open_link);
    async_struct!(Dialed, dial, String);
}

use generated::{Dialed, Link};

static GENERATED_RUNS: AtomicUsize = AtomicUsize::new(0);

async_global!(
    /// Generated by `macro_rules`, every part a fragment.
    pub(crate) generated_port: u16 = {
        GENERATED_RUNS.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        8080
    }
);
async_global!(generated_parsed: Result<u16, std::num::ParseIntError> = {
    let port = *generated_port().await;
    Ok(port + "1".parse::<u16>()?)
});

/// Async fn and struct forms generated by `macro_rules` work like written ones (the
/// `Result` return type given as a `ty` fragment is still seen as fallible).
#[test]
fn macro_rules_generated_async_forms_work() {
    let (port, parsed, link, dialed) = within("generated", Duration::from_secs(20), || {
        support::tokio_current_thread().block_on(async {
            let (a, b) = tokio::join!(generated_port(), generated_port());
            assert!(std::ptr::eq(a, b));
            (
                *a,
                generated_parsed().await.copied(),
                Link::instance().await.0,
                Dialed::instance().await.map(|d| d.0),
            )
        })
    });
    assert_eq!(port, 8080);
    assert_eq!(parsed, Ok(8081));
    assert_eq!(link, 8080);
    assert_eq!(dialed, Err("no route".to_owned()));
    assert_eq!(generated_port::get(), Some(&8080));
    assert_eq!(GENERATED_RUNS.load(Ordering::SeqCst), 1);
}

static HANDED_RUNS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn handed_inner() -> u32 {
    HANDED_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    5
}

#[singleton]
async fn handed_outer() -> u32 {
    *handed_inner().await + 1
}

/// The driver of `handed_inner` (a task of its own) is cancelled after the future
/// awaiting it inside `handed_outer`'s run (whose only caller is cancelled first, so
/// it is never polled again) joined its waiters, before a third caller: the hand-off
/// must not strand the run with the future nobody polls.
#[test]
fn a_hand_off_does_not_go_to_a_future_inside_an_abandoned_run() {
    let got = within(
        "hand-off to a stranded waiter",
        Duration::from_secs(20),
        || {
            support::tokio_current_thread().block_on(async {
                let driver = tokio::spawn(tokio::time::timeout(
                    Duration::from_millis(50),
                    handed_inner(),
                ));
                tokio::time::sleep(Duration::from_millis(5)).await;
                let outer = tokio::spawn(tokio::time::timeout(
                    Duration::from_millis(20),
                    handed_outer(),
                ));
                tokio::time::sleep(Duration::from_millis(5)).await;
                let last =
                    tokio::spawn(tokio::time::timeout(Duration::from_secs(5), handed_inner()));
                assert!(outer.await.unwrap().is_err(), "the outer caller times out");
                assert!(driver.await.unwrap().is_err(), "the driver times out");
                last.await.unwrap().copied()
            })
        },
    );
    assert_eq!(got, Ok(5), "the last caller was never woken");
    assert_eq!(HANDED_RUNS.load(Ordering::SeqCst), 1);
}

static FLAKY_ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
static FLAKY_OKS: AtomicUsize = AtomicUsize::new(0);

#[singleton]
async fn flaky_twice() -> Result<u32, String> {
    let attempt = FLAKY_ATTEMPTS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(20)).await;
    match attempt {
        0 => Err("first attempt".to_owned()),
        1 => panic!("second attempt"),
        _ => {
            FLAKY_OKS.fetch_add(1, Ordering::SeqCst);
            Ok(u32::try_from(attempt).unwrap())
        }
    }
}

/// 50 tasks on a multi-thread runtime await an initialiser that fails (`Err`), then
/// panics, then succeeds: one caller gets the `Err`, one panics, everybody else gets
/// the one value, stored once.
#[test]
fn an_err_then_a_panic_under_many_waiters_then_one_success() {
    let outcomes = within("flaky", Duration::from_secs(20), || {
        multi_thread().block_on(async {
            let tasks: Vec<_> = (0..50).map(|_| tokio::spawn(flaky_twice())).collect();
            let mut outcomes = Vec::new();
            for task in tasks {
                outcomes.push(match task.await {
                    Ok(Ok(value)) => Ok(*value),
                    Ok(Err(error)) => Err(error),
                    Err(join) => Err(support::panic_message(&*join.into_panic())),
                });
            }
            outcomes
        })
    });
    let errs: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().any(|e| *e == "first attempt"), "{errs:?}");
    assert!(
        errs.iter().any(|e| e.contains("second attempt")),
        "{errs:?}"
    );
    assert!(
        outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .all(|v| *v == 2)
    );
    assert_eq!(FLAKY_OKS.load(Ordering::SeqCst), 1);
    assert_eq!(FLAKY_ATTEMPTS.load(Ordering::SeqCst), 3);
}
