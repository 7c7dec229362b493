//! Fields the per-field `Send + Sync` check cannot see through in the tokens must not
//! break a struct that compiles without `#[singleton]`: a field removed by a `cfg`
//! inside `cfg_attr` (its type need not exist), and a field whose type is a macro
//! invocation that names the struct itself (`Self`), which the probe, outside the
//! struct's `impl`, could not name; and the fields of an enum variant removed by a
//! `cfg` (or a `cfg` inside `cfg_attr`) on the variant.

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

#[singleton]
#[derive(Default)]
pub enum Mode {
    #[default]
    Off,
    #[cfg(any())]
    Gone(NoSuchType),
    #[cfg_attr(all(), cfg(any()))]
    AlsoGone { x: AlsoMissing },
    On(u32),
}

fn main() {
    assert!(matches!(Mode::instance(), Mode::Off));
    assert!(!matches!(Mode::On(1), Mode::Off));
    let registry = Registry::instance();
    assert_eq!(registry.hits, 0);
    assert!(registry.next.is_none());
}
