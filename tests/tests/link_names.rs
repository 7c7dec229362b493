//! Names beside a generated module that must not change what the user's code means:
//! a child module's `use super::*;` that brings in the parent's module of the same name
//! (the parent's own singleton or cache of that name), and a user type named like the
//! marker the module's trait is implemented for.

mod support;

use std::path::{Path, PathBuf};

use singleton_runtime::{invalidating_cache, singleton};

fn file(name: &str) -> PathBuf {
    support::temp_root().join(name).join("value.txt")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read_u32(path: &Path) -> Result<u32, std::io::Error> {
    let text = std::fs::read_to_string(path)?;
    text.trim()
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

// The parent's singletons and cache: the parent has modules `registry`, `lines`,
// `counter` and `limit`.
#[singleton]
fn registry() -> u32 {
    1
}

#[singleton]
async fn lines() -> u32 {
    10
}

#[singleton(scope = thread)]
fn counter() -> u32 {
    100
}

#[invalidating_cache(path = file("parent_limit"))]
fn limit(path: &Path) -> Result<u32, std::io::Error> {
    read_u32(path)
}

mod child {
    use super::*;

    // Same names: the glob's `registry` (the parent's module) is shadowed by these.
    #[singleton]
    pub(super) fn registry() -> u32 {
        2
    }

    #[singleton]
    pub(super) async fn lines() -> u32 {
        20
    }

    #[singleton(scope = thread)]
    pub(super) fn counter() -> u32 {
        200
    }

    #[invalidating_cache(path = file("child_limit"))]
    pub(super) fn limit(path: &Path) -> Result<u32, std::io::Error> {
        read_u32(path)
    }
}

#[test]
fn a_child_module_glob_importing_its_parent_may_reuse_a_name() {
    assert_eq!((*registry(), *child::registry()), (1, 2));
    assert_eq!(
        (registry::get(), child::registry::get()),
        (Some(&1), Some(&2))
    );
    let (parent, child) =
        futures::executor::block_on(async { (*lines().await, *child::lines().await) });
    assert_eq!((parent, child), (10, 20));
    assert_eq!(
        (counter::with(|c| *c), child::counter::with(|c| *c)),
        (100, 200)
    );
    write(&file("parent_limit"), "5");
    write(&file("child_limit"), "6");
    assert_eq!((*limit().unwrap(), *child::limit().unwrap()), (5, 6));
    assert_eq!((limit::generation(), child::limit::generation()), (1, 1));
}

mod markers {
    use super::*;

    /// A user type named like the singleton fn form's marker.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct __Singleton(pub(super) u32);

    /// A user type named like the cache's marker.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct __Cache(pub(super) u32);

    #[singleton]
    pub(super) fn process() -> __Singleton {
        __Singleton(1)
    }

    #[singleton(scope = thread)]
    pub(super) fn per_thread() -> __Singleton {
        __Singleton(2)
    }

    #[invalidating_cache(path = file("marker_named"))]
    pub(super) fn cached(path: &Path) -> Result<__Cache, std::io::Error> {
        read_u32(path).map(__Cache)
    }
}

#[test]
fn a_value_type_may_be_named_like_the_marker() {
    assert_eq!(*markers::process(), markers::__Singleton(1));
    assert_eq!(markers::per_thread::with(|v| v.0), 2);
    write(&file("marker_named"), "3");
    assert_eq!(*markers::cached().unwrap(), markers::__Cache(3));
}
