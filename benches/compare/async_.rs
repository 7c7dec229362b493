//! Fast path of an async singleton (already initialised): one poll of the future,
//! with a no-op waker, next to std's `OnceLock::get` (the goal: at most 1.5x) and the
//! async anchors, tokio's `OnceCell::get_or_init` (the goal: no slower) and
//! async-once-cell's.
//!
//! Every async row builds its future and polls it once per op with a `Context` built
//! once per run (`Candidate::tiny_poll`): an `.await` in a task reuses the `Context` of
//! the task's poll. Building one per op (as this bench did first) charged every async
//! row three stores the sync anchor never pays, and kept the op from being inlined.
//! The "in a user's async block" rows measure `.await` as written in user code, the
//! anchor's call inside the same kind of block.

use std::future::Future;
use std::pin::pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use singleton_runtime::{AsyncSingleton, singleton};

use crate::harness::{Candidate, Config, Group, Report, Target};

fn value() -> Vec<u64> {
    vec![1, 2, 3, 4]
}

static STD_ONCE: OnceLock<Vec<u64>> = OnceLock::new();
static RUNTIME: AsyncSingleton<Vec<u64>> = AsyncSingleton::new("RUNTIME");
static TOKIO: tokio::sync::OnceCell<Vec<u64>> = tokio::sync::OnceCell::const_new();
static ASYNC_ONCE_CELL: async_once_cell::OnceCell<Vec<u64>> = async_once_cell::OnceCell::new();

#[singleton]
async fn async_registry() -> Vec<u64> {
    value()
}

#[singleton]
async fn fallible_registry() -> Result<Vec<u64>, std::io::Error> {
    Ok(value())
}

#[singleton(init = async AsyncRegistry::load)]
struct AsyncRegistry {
    values: Vec<u64>,
}

impl AsyncRegistry {
    async fn load() -> Self {
        let values = std::future::ready(value()).await;
        Self { values }
    }
}

/// Polls `future` once, expecting it ready (the value is initialised).
#[inline]
fn once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => unreachable!("initialised before measuring"),
    }
}

pub(crate) fn run(cfg: &Config, report: &mut Report) {
    let _ = STD_ONCE.get_or_init(value);
    let _ = once(RUNTIME.get_or_init(|| async { value() }));
    let _ = once(async_registry());
    let _ = once(fallible_registry());
    assert_eq!(once(AsyncRegistry::instance()).values, value());
    let _ = once(TOKIO.get_or_init(|| async { value() }));
    let _ = once(ASYNC_ONCE_CELL.get_or_init(async { value() }));
    Group::new(
        "async singleton fast path (already initialised): one poll with a no-op waker",
        1,
    )
    .with(Candidate::tiny_op(
        "std OnceLock::get (get_or_init)",
        || STD_ONCE.get_or_init(value),
    ))
    .with(Candidate::tiny_poll(
        "AsyncSingleton::get_or_init, one poll",
        || RUNTIME.get_or_init(|| async { value() }),
    ))
    .with(Candidate::tiny_poll(
        "#[singleton] async fn: async_registry(), one poll",
        async_registry,
    ))
    // The `Ok` path a caller's `?` takes: handing the whole `Result<&T, io::Error>`
    // to `black_box` would measure its drop glue, which that path does not run.
    .with(Candidate::tiny_poll_then(
        "#[singleton] async fn -> Result: fallible_registry() then .ok(), one poll",
        fallible_registry,
        Result::ok,
    ))
    .with(Candidate::tiny_poll(
        "#[singleton(init = async ..)] struct: instance(), one poll",
        AsyncRegistry::instance,
    ))
    // The same, as a user writes it: inside their own async fn (here a block), the
    // OnceLock call and our `.await` alike.
    .with(Candidate::tiny_poll(
        "in a user's async block: OnceLock::get_or_init",
        || async { STD_ONCE.get_or_init(value) },
    ))
    .with(Candidate::tiny_poll(
        "in a user's async block: async_registry().await",
        || async { async_registry().await },
    ))
    .with(Candidate::tiny_poll(
        "in a user's async block: tokio get_or_init().await",
        || async { TOKIO.get_or_init(|| async { value() }).await },
    ))
    .with(Candidate::tiny_op("AsyncSingleton::get (sync)", || {
        RUNTIME.get()
    }))
    .with(Candidate::tiny_poll(
        "tokio OnceCell::get_or_init, one poll",
        || TOKIO.get_or_init(|| async { value() }),
    ))
    .with(Candidate::tiny_poll(
        "async-once-cell OnceCell::get_or_init, one poll",
        || ASYNC_ONCE_CELL.get_or_init(async { value() }),
    ))
    .target(Target::AtMost {
        row: "#[singleton] async fn: async_registry(), one poll",
        ratio: 1.5,
    })
    .target(Target::AtMost {
        row: "AsyncSingleton::get_or_init, one poll",
        ratio: 1.5,
    })
    .target(Target::AtMost {
        row: "#[singleton] async fn -> Result: fallible_registry() then .ok(), one poll",
        ratio: 1.5,
    })
    .target(Target::AtMost {
        row: "#[singleton(init = async ..)] struct: instance(), one poll",
        ratio: 1.5,
    })
    .target(Target::AtMost {
        row: "in a user's async block: async_registry().await",
        ratio: 1.5,
    })
    .target(Target::FasterThan {
        row: "#[singleton] async fn: async_registry(), one poll",
        than: "tokio OnceCell::get_or_init, one poll",
        factor: 1.0,
    })
    .target(Target::FasterThan {
        row: "AsyncSingleton::get_or_init, one poll",
        than: "tokio OnceCell::get_or_init, one poll",
        factor: 1.0,
    })
    .run(cfg, report);
}
