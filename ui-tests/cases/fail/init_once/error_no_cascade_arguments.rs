//! One mistake, one error: an unknown `concurrent` value, and the fn still returns
//! `Result<(), AlreadyInitialized>` beside the error.

#![deny(warnings)]

use singleton_runtime::{AlreadyInitialized, init_once};

#[init_once(concurrent = maybe)]
fn setup() {}

fn main() {
    let outcome: Result<(), AlreadyInitialized> = setup();
    assert!(outcome.is_ok());
}
