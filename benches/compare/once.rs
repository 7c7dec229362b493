//! Fast path of a lazily initialised global: `#[singleton]` next to std, once_cell,
//! lazy_static, static_init and a plain static (the floor).

#![allow(
    clippy::non_std_lazy_statics,
    reason = "once_cell and lazy_static are the anchors"
)]

use std::sync::{LazyLock, OnceLock};

use singleton_runtime::{Singleton, singleton};

use crate::harness::{Candidate, Config, Group, Report, Target};

fn value() -> Vec<u64> {
    vec![1, 2, 3, 4]
}

static STD_ONCE: OnceLock<Vec<u64>> = OnceLock::new();
static STD_LAZY: LazyLock<Vec<u64>> = LazyLock::new(value);
static ONCE_CELL_LAZY: once_cell::sync::Lazy<Vec<u64>> = once_cell::sync::Lazy::new(value);
static RUNTIME: Singleton<Vec<u64>> = Singleton::new("RUNTIME");
static FLOOR: [u64; 4] = [1, 2, 3, 4];

lazy_static::lazy_static! {
    static ref LAZY_STATIC: Vec<u64> = value();
}

#[static_init::dynamic]
static STATIC_INIT: Vec<u64> = value();

#[singleton]
#[derive(Default)]
struct Registry {
    items: Vec<u64>,
}

#[singleton]
fn registry() -> Vec<u64> {
    value()
}

pub(crate) fn run(cfg: &Config, report: &mut Report) {
    // Initialise everything first: these rows measure the fast path only.
    let _ = (
        STD_ONCE.get_or_init(value),
        &*STD_LAZY,
        &*ONCE_CELL_LAZY,
        &*LAZY_STATIC,
    );
    let _ = (
        RUNTIME.get_or_init(value),
        Registry::instance(),
        registry(),
        &*STATIC_INIT,
    );
    for threads in [1, 2] {
        with_singleton_rows(Group::new(
            "global fast path (already initialised): get a &'static",
            threads,
        ))
        .with(Candidate::tiny_op("Singleton<T>::get_or_init", || {
            RUNTIME.get_or_init(value)
        }))
        .with(Candidate::tiny_op("std LazyLock", || &*STD_LAZY))
        .with(Candidate::tiny_op("once_cell::sync::Lazy", || {
            &*ONCE_CELL_LAZY
        }))
        .with(Candidate::tiny_op("lazy_static!", || &*LAZY_STATIC))
        .with(Candidate::tiny_op("static_init #[dynamic]", || {
            &*STATIC_INIT
        }))
        .with(Candidate::tiny_op("plain static (floor)", || &FLOOR))
        .target(Target::AtMost {
            row: "#[singleton] struct: Registry::instance()",
            ratio: 1.10,
        })
        .target(Target::AtMost {
            row: "#[singleton] fn: registry()",
            ratio: 1.10,
        })
        .run(cfg, report);
    }
    #[cfg(feature = "testing")]
    while_overridden_elsewhere(cfg, report);
}

/// The anchor and the two macro forms: the rows every fast-path group starts with.
fn with_singleton_rows(group: Group<'static>) -> Group<'static> {
    group
        .with(Candidate::tiny_op(
            "std OnceLock::get (get_or_init)",
            || STD_ONCE.get_or_init(value),
        ))
        .with(Candidate::tiny_op(
            "#[singleton] struct: Registry::instance()",
            || &Registry::instance().items,
        ))
        .with(Candidate::tiny_op("#[singleton] fn: registry()", registry))
}

/// With the `testing` feature: the fast path while another thread holds an override of
/// the same singleton (this thread then looks in its own, empty, override list).
#[cfg(feature = "testing")]
fn while_overridden_elsewhere(cfg: &Config, report: &mut Report) {
    let (installed, installed_rx) = std::sync::mpsc::channel();
    let (done, done_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _registry = registry::override_guard(vec![0]);
        let _struct = Registry::override_instance_guard(Registry { items: vec![0] });
        installed.send(()).unwrap();
        let _ = done_rx.recv();
    });
    installed_rx.recv().unwrap();
    with_singleton_rows(Group::new(
        "global fast path while another thread has an override (testing feature)",
        1,
    ))
    .run(cfg, report);
    drop(done);
    holder.join().unwrap();
}
