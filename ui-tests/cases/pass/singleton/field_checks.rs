//! The per-field `Send + Sync` check lets through what is shareable: a struct made
//! shareable by `unsafe impl`s whatever its fields, a field under a `cfg` that is off
//! (its type need not exist), a field naming the struct itself, enum variants' fields,
//! and fields whose types come from `macro_rules` fragments; all without warnings.

#![deny(warnings)]

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use singleton_runtime::{Guarded, singleton};

/// A raw pointer to data that is never written: shared by an `unsafe impl`.
pub struct Buffer {
    start: *const u8,
    len: usize,
}

// SAFETY: `start` points to a `'static` byte string that is never written.
unsafe impl Send for Buffer {}
// SAFETY: as above.
unsafe impl Sync for Buffer {}

#[singleton(init = || Static { buffer: Buffer { start: b"xy".as_ptr(), len: 2 }, raw: std::ptr::null() })]
pub struct Static {
    buffer: Buffer,
    raw: *const u8,
}

// SAFETY: `raw` is never dereferenced.
unsafe impl Send for Static {}
// SAFETY: as above.
unsafe impl Sync for Static {}

#[singleton]
#[derive(Default)]
pub struct Registry {
    names: Guarded<Vec<String>>,
    hits: AtomicU64,
    shared: Arc<str>,
    #[cfg(any())]
    gone: NoSuchType,
    next: Option<Box<Self>>,
    again: Option<Box<Registry>>,
}

#[singleton]
#[derive(Default)]
pub enum Mode {
    #[default]
    Off,
    On(Arc<String>, u32),
    Named { name: String },
}

macro_rules! singleton_with_field {
    ($name:ident { $field:ident: $t:ty }) => {
        #[singleton]
        #[derive(Default)]
        pub struct $name {
            $field: $t,
        }
    };
}

singleton_with_field!(Counter { hits: AtomicU64 });
singleton_with_field!(Names { names: Guarded<Vec<String>> });

fn main() {
    let registry = Registry::instance();
    registry.names.write(|names| names.push(String::from("a")));
    assert_eq!(registry.names.read(Vec::len), 1);
    let _ = (&registry.hits, &registry.shared, &registry.next, &registry.again);
    assert!(matches!(Mode::instance(), Mode::Off));
    let stat = Static::instance();
    assert_eq!(stat.buffer.len, 2);
    assert!(stat.raw.is_null() && !stat.buffer.start.is_null());
    let _ = (Counter::instance().hits.load(std::sync::atomic::Ordering::Relaxed), Names::instance());
    for mode in [Mode::On(Arc::default(), 1), Mode::Named { name: String::new() }] {
        match mode {
            Mode::Off => {}
            Mode::On(text, n) => assert_eq!((text.len(), n), (0, 1)),
            Mode::Named { name } => assert!(name.is_empty()),
        }
    }
}
