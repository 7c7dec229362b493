//! The user's scope does not break the expansions' `Send + Sync` probes: a blanket
//! extension trait whose method is named like the probes' (`verdict`, `and`) must not
//! make them ambiguous, and a module that forbids `unused_imports` must not meet an
//! `allow(unused_imports)` (E0453) in them.

#![deny(warnings)]

use std::path::Path;

use singleton_runtime::invalidating_cache;

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

mod strict {
    #![forbid(unused_imports)]

    use std::sync::Arc;

    use singleton_runtime::{guarded_global, singleton};

    use super::{Judge, Logic};

    /// The user's methods, beside the expansions.
    pub fn user_methods() -> bool {
        1u8.and(true) && 1u8.verdict() == 0
    }

    #[singleton]
    #[derive(Default)]
    pub struct Registry {
        pub hits: u32,
        pub names: Arc<str>,
    }

    #[singleton(init = async Pool::connect)]
    pub struct Pool {
        pub size: u32,
    }

    impl Pool {
        async fn connect() -> Self {
            Pool { size: 4 }
        }
    }

    #[singleton]
    pub fn answer() -> u32 {
        42
    }

    #[singleton]
    pub async fn fetched() -> u32 {
        std::future::ready(7).await
    }

    #[guarded_global]
    pub static SEEN: Vec<String> = Vec::new();

    #[singleton(scope = thread)]
    pub fn per_thread() -> u32 {
        3
    }

    #[singleton_runtime::invalidating_cache(path = "/nonexistent/motd")]
    pub fn motd(path: &std::path::Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }
}

use strict::{Pool, Registry, SEEN, answer, fetched, motd, per_thread, user_methods};

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
    assert!(motd().is_err());
    assert_eq!(per_thread::with(|n| *n), 3);
    assert!(user_methods() && 1u8.and(true) && 1u8.verdict() == 0);
    assert!(Pool::instance_if_ready().is_none_or(|pool| pool.size == 4));
    let _ = (Pool::instance(), fetched());
}
