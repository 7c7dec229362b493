//! A user crate that forbids `unused_imports`: the probes' expansions carry no
//! `allow(unused_imports)` (which `forbid` turns into E0453).

#![forbid(unused_imports)]
#![deny(warnings)]

use std::sync::Arc;

use singleton_runtime::{guarded_global, singleton};

#[singleton]
#[derive(Default)]
pub struct Registry {
    names: Arc<str>,
}

#[singleton(init = async || Pool { size: std::future::ready(4).await })]
pub struct Pool {
    size: u32,
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

fn main() {
    assert!(Registry::instance().names.is_empty());
    assert_eq!(*answer(), 42);
    assert_eq!(SEEN.read(Vec::len), 0);
    assert!(Pool::instance_if_ready().is_none_or(|pool| pool.size == 4));
    let _ = (Pool::instance(), fetched());
}
