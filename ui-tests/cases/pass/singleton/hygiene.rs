//! Generated names neither clash with nor are visible to user items: a const named
//! `INSTANCE` used in the stored type, items named `cell`, a deprecated singleton under
//! `deny(warnings)`, and an `extern "Rust"` init_once fn.
#![deny(warnings)]
#![allow(non_camel_case_types, non_upper_case_globals)]

use singleton_runtime::{init_once, singleton};

const INSTANCE: usize = 4;
const cell: u8 = 1;

#[singleton]
fn table() -> [u8; INSTANCE] {
    [cell; INSTANCE]
}

mod other {
    #[allow(dead_code)]
    pub struct cell;
}

#[singleton]
#[deprecated(note = "use the new registry")]
#[derive(Default)]
struct OldRegistry {
    entries: Vec<u8>,
}

#[init_once]
extern "Rust" fn install() -> usize {
    INSTANCE
}

#[allow(deprecated)]
fn main() {
    assert_eq!(table(), &[1; 4]);
    assert!(OldRegistry::instance().entries.is_empty());
    assert_eq!(install(), Ok(4));
    let _ = other::cell;
}
