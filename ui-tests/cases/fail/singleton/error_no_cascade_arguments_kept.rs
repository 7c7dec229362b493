//! One mistake, one error: beside an unknown argument, the arguments that parse still
//! shape the stubs: `scope = thread` gives `with_instance`, `error = E` a fallible
//! `instance()`, so the uses written for them add no errors of their own.

#![deny(warnings)]

use std::cell::Cell;

use singleton_runtime::singleton;

#[singleton(scope = thread, retries = 3)]
#[derive(Default)]
struct Counter {
    count: Cell<u32>,
}

#[derive(Debug)]
struct ConnectError;

#[singleton(init = Pool::connect, retries = 3, error = Result<ConnectError, ConnectError>)]
struct Pool;

impl Pool {
    fn connect() -> Result<Self, Result<ConnectError, ConnectError>> {
        Ok(Pool)
    }
}

fn main() -> Result<(), Result<ConnectError, ConnectError>> {
    Counter::with_instance(|counter| counter.count.set(1));
    let _pool: &'static Pool = Pool::instance()?;
    Ok(())
}
