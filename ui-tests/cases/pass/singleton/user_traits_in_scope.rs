//! A user's blanket extension traits in scope do not break the expansions' `Send + Sync`
//! probes: the probes' method calls (`verdict`, `and`) must not be ambiguous with a
//! user method of the same name implemented for every type.

#![deny(warnings)]

use std::path::Path;

use singleton_runtime::{guarded_global, invalidating_cache, singleton};

/// A blanket extension trait with a common combinator name.
pub trait Logic {
    fn and(self, other: bool) -> bool
    where
        Self: Sized,
    {
        other
    }
}

impl<T> Logic for T {}

/// Another, with the name of the probes' method.
pub trait Judge {
    fn verdict(&self) -> u8 {
        0
    }
}

impl<T: ?Sized> Judge for T {}

#[singleton]
#[derive(Default)]
pub struct Registry {
    hits: u32,
    names: Vec<String>,
}

#[singleton(init = async Pool::connect)]
pub struct Pool {
    size: u32,
}

impl Pool {
    async fn connect() -> Self {
        Pool { size: 4 }
    }
}

#[singleton]
fn answer() -> u32 {
    42
}

#[singleton]
async fn fetched() -> u32 {
    std::future::ready(7).await
}

#[guarded_global]
static SEEN: Vec<String> = Vec::new();

#[invalidating_cache(path = "/nonexistent/hosts")]
fn hosts(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {
    assert_eq!(Registry::instance().hits, 0);
    assert!(Registry::instance().names.is_empty());
    assert_eq!(*answer(), 42);
    SEEN.write(|seen| seen.push(String::from("a")));
    assert_eq!(SEEN.read(Vec::len), 1);
    assert!(hosts().is_err());
    assert!(1u8.and(true) && 1u8.verdict() == 0);
    assert!(Pool::instance_if_ready().is_none_or(|pool| pool.size == 4));
    let _ = (Pool::instance(), fetched());
}
