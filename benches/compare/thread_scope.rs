//! Access to a thread-scoped singleton (already built on this thread), next to
//! `thread_local!` and the `thread_local` crate's `ThreadLocal::get_or` (the goal: no
//! slower than `get_or`).

use std::cell::Cell;

use singleton_runtime::singleton;
use thread_local::ThreadLocal;

use crate::harness::{Candidate, Config, Group, Report, Target};

// The lazy form is the anchor's row on purpose.
#[allow(clippy::missing_const_for_thread_local)]
mod lazy {
    std::thread_local! {
        pub static STD_LAZY: std::cell::Cell<u64> = std::cell::Cell::new(7);
    }
}
use lazy::STD_LAZY;

std::thread_local! {
    static STD_CONST: Cell<u64> = const { Cell::new(7) };
    static STD_STRING: String = String::from("seven");
}

#[singleton(scope = thread)]
fn counter() -> Cell<u64> {
    Cell::new(7)
}

#[singleton(scope = thread)]
fn label() -> String {
    String::from("seven")
}

pub(crate) fn run(cfg: &Config, report: &mut Report) {
    let crate_tl: ThreadLocal<Cell<u64>> = ThreadLocal::new();
    let crate_tl = &crate_tl;
    // The harness measures on threads of its own: every row builds its value on each
    // thread's first access, then measures the access.
    Group::new(
        "thread-scoped value (built on this thread already): read it",
        1,
    )
    .with(Candidate::tiny_op(
        "thread_local crate ThreadLocal::get_or",
        move || crate_tl.get_or(|| Cell::new(7)).get(),
    ))
    .with(Candidate::tiny_op(
        "#[singleton(scope = thread)] fn: counter::with",
        || counter::with(Cell::get),
    ))
    .with(Candidate::tiny_op(
        "#[singleton(scope = thread)] fn: label::with (needs drop)",
        || label::with(String::len),
    ))
    .with(Candidate::tiny_op("thread_local! lazy Cell::get", || {
        STD_LAZY.with(Cell::get)
    }))
    .with(Candidate::tiny_op("thread_local! const Cell::get", || {
        STD_CONST.with(Cell::get)
    }))
    .with(Candidate::tiny_op(
        "thread_local! String with (needs drop)",
        || STD_STRING.with(String::len),
    ))
    .target(Target::AtMost {
        row: "#[singleton(scope = thread)] fn: counter::with",
        ratio: 1.0,
    })
    .target(Target::AtMost {
        row: "#[singleton(scope = thread)] fn: label::with (needs drop)",
        ratio: 1.0,
    })
    .run(cfg, report);
}
