//! Visibility, docs, generics, references, `?`, and associated fns.
#![deny(missing_docs)]

use singleton_runtime::{AlreadyInitialized, init_once};

/// Sets the process-wide seed once.
#[init_once]
pub fn set_global_determinism(seed: u64, threads: usize) {
    let _ = (seed, threads);
}

/// Installs any logger, once.
#[init_once]
pub fn install<L: std::fmt::Debug + Send>(logger: L) -> String {
    format!("{logger:?}")
}

/// Takes and returns references.
#[init_once]
pub fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or(text)
}

/// `?` inside the body.
#[init_once]
pub fn parse_level(text: &str) -> Result<u8, std::num::ParseIntError> {
    let level = text.parse::<u8>()?;
    Ok(level)
}

struct Runtime;

impl Runtime {
    #[init_once]
    fn start(workers: usize) -> usize {
        workers
    }
}

fn main() {
    let first: Result<(), AlreadyInitialized> = set_global_determinism(42, 1);
    assert!(first.is_ok());
    assert!(set_global_determinism(7, 2).is_err());
    assert_eq!(install("stderr").unwrap(), "\"stderr\"");
    assert!(install(5).is_err());
    assert_eq!(first_word("hello world"), Ok("hello"));
    assert_eq!(parse_level("3"), Ok(3));
    assert_eq!(Runtime::start(4), Ok(4));
}
