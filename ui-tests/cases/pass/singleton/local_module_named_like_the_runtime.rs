//! A module of the user's named `singleton_runtime` does not capture the generated
//! code's paths (`::singleton_runtime::...` is absolute), for any of the four macros.

use std::path::Path;

use ::singleton_runtime::{guarded_global, init_once, invalidating_cache, singleton};

#[allow(dead_code)]
mod singleton_runtime {
    pub mod __private {}
    pub struct InvalidatingCache;
}

#[singleton]
#[derive(Default)]
struct Registry;

#[singleton]
fn answer() -> u8 {
    42
}

#[init_once]
fn setup() {}

#[guarded_global]
static COUNT: u8 = 1;

#[invalidating_cache(path = "never-read.toml")]
fn settings(path: &Path) -> Result<u8, std::io::Error> {
    let _ = path;
    Ok(7)
}

fn main() {
    let _: &'static Registry = Registry::instance();
    assert_eq!(*answer(), 42);
    assert!(setup().is_ok());
    assert_eq!(COUNT.read(|count| *count), 1);
    assert_eq!(*settings().unwrap(), 7);
}
