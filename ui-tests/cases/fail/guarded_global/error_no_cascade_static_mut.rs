//! One mistake, one error: `COUNTER` is still a guarded global beside the error about
//! `mut`, so its `read` and `write` add no errors of their own.

#![deny(warnings)]

use singleton_runtime::guarded_global;

#[guarded_global]
static mut COUNTER: u64 = 0;

fn main() {
    COUNTER.write(|count| *count += 1);
    assert_eq!(COUNTER.read(|count| *count), 1);
}
