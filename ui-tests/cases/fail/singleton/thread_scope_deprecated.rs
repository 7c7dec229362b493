//! `#[deprecated]` on a thread-scoped fn reaches its callers (`hits::with`), as it
//! does for a process-wide `#[singleton]` fn.

#![deny(deprecated)]

use singleton_runtime::singleton;

/// Old counter.
#[deprecated(note = "use `requests` instead")]
#[singleton(scope = thread)]
fn hits() -> u32 {
    0
}

fn main() {
    hits::with(|_| ());
}
