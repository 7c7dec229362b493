//! One mistake, one error: a `const fn` still returns `Result<(), AlreadyInitialized>`
//! beside the error about `const`, and its `state` const is still there.

#![deny(warnings)]

use singleton_runtime::{AlreadyInitialized, init_once};

#[init_once(state = LOGGING)]
const fn init_logging(level: u8) {
    let _ = level;
}

fn main() -> Result<(), AlreadyInitialized> {
    init_logging(3)?;
    assert!(LOGGING.is_done());
    Ok(())
}
