//! One mistake, one error: `Registry::instance()` still type-checks beside the error
//! about `Clone`, so the uses add no errors of their own.

#![deny(warnings)]

use singleton_runtime::singleton;

#[singleton]
#[derive(Default, Clone)]
struct Registry {
    names: Vec<String>,
}

fn main() {
    let registry: &'static Registry = Registry::instance();
    assert!(registry.names.is_empty());
}
