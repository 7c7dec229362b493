//! Fields the per-field `Send + Sync` check cannot see through in the tokens must not
//! break a struct that compiles without `#[singleton]`: a field removed by a `cfg`
//! inside `cfg_attr` (its type need not exist), and a field whose type is a macro
//! invocation that names the struct itself (`Self`), which the probe, outside the
//! struct's `impl`, could not name.

#![deny(warnings)]

use singleton_runtime::singleton;

macro_rules! boxed_self {
    () => {
        Option<Box<Self>>
    };
}

#[singleton]
#[derive(Default)]
pub struct Registry {
    hits: u32,
    #[cfg_attr(all(), cfg(any()))]
    gone: NoSuchType,
    #[cfg_attr(any(), doc = "kept")]
    #[cfg_attr(all(), cfg_attr(all(), cfg(any())))]
    nested_gone: AlsoMissing,
    next: boxed_self!(),
}

fn main() {
    let registry = Registry::instance();
    assert_eq!(registry.hits, 0);
    assert!(registry.next.is_none());
}
