//! `state = NAME` beside free and associated fns (also from `macro_rules`), fallible
//! bodies with `Result<T, E>` and `io::Result<T>`, and `concurrent = refuse`, in a crate
//! that denies missing docs: every generated item is documented.
#![deny(missing_docs, unused_must_use)]

use singleton_runtime::{AlreadyInitialized, InitOnceError, InitOnceState, init_once};

/// Seeds the RNGs once; workers wait for it through `SEEDING`.
#[init_once(state = SEEDING)]
pub fn seed(value: u64) {
    let _ = value;
}

/// Opens the log once; an `Err` is retried by the next call.
#[init_once(state = LOGGING, concurrent = refuse)]
pub fn open_log(path: &str) -> std::io::Result<usize> {
    Ok(path.len())
}

/// Parses the level once.
#[init_once]
pub fn parse_level(text: &str) -> Result<u8, std::num::ParseIntError> {
    text.parse()
}

/// `fmt::Result`: no type arguments at all.
#[init_once]
pub fn banner() -> std::fmt::Result {
    Ok(())
}

/// A pool.
pub struct Pool;

impl Pool {
    /// Starts the pool once.
    #[init_once(state = READY, reset = reset_start)]
    pub fn start(size: usize) -> Result<usize, String> {
        Ok(size)
    }
}

macro_rules! once_fn {
    ($(#[$meta:meta])* $name:ident, $state:ident, $out:ty, $body:block) => {
        $(#[$meta])*
        #[init_once(state = $state)]
        pub fn $name() -> $out $body
    };
}

once_fn!(
    /// Generated.
    generated, GENERATED, Result<u8, String>, { Ok(1) }
);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let states: [InitOnceState; 5] = [SEEDING, LOGGING, Pool::READY, GENERATED, SEEDING];
    assert!(states.iter().all(|s| !s.is_done()));
    let first: Result<(), AlreadyInitialized> = seed(1);
    first?;
    SEEDING.wait();
    let logged: Result<usize, InitOnceError<std::io::Error>> = open_log("log");
    assert_eq!(logged?, 3);
    assert_eq!(parse_level("3")?, 3);
    banner()?;
    assert_eq!(Pool::start(2), Ok(2));
    assert_eq!(generated(), Ok(1));
    assert!(open_log("again").is_err());
    Ok(())
}
