//! The test tools every `#[singleton]` now carries (`override_with`, `reset`, a module
//! beside a fn) cost users nothing when unused: no warning, also under
//! `deny(warnings)` and `missing_docs`, without the runtime's `testing` feature (here)
//! and with it (`ui-tests-testing` builds this file too).
#![deny(warnings, missing_docs)]

use singleton_runtime::{init_once, singleton};

/// Private struct form.
#[singleton]
#[derive(Default)]
struct Private {
    value: u8,
}

/// Public fn form.
#[singleton]
pub fn public_names() -> Vec<&'static str> {
    vec!["a"]
}

/// Private fn form.
#[singleton]
fn private_count() -> usize {
    1
}

/// Private thread-scoped struct form.
#[singleton(scope = thread)]
#[derive(Default)]
struct PerThread {
    value: std::cell::Cell<u8>,
}

/// Public thread-scoped fn form.
#[singleton(scope = thread)]
pub fn per_thread_names() -> Vec<&'static str> {
    vec!["b"]
}

/// Private thread-scoped fn form, never used.
#[singleton(scope = thread)]
fn unused_per_thread() -> u8 {
    1
}

/// With a reset fn.
#[init_once(reset = reset_setup)]
pub fn setup() {}

fn main() {
    assert_eq!(Private::instance().value, 0);
    assert_eq!(public_names().len(), 1);
    assert_eq!(*private_count(), 1);
    setup().unwrap();
    assert_eq!(PerThread::with_instance(|p| p.value.get()), 0);
    assert_eq!(per_thread_names::with(Vec::len), 1);
}
