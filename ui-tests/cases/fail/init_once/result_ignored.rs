#![deny(unused_must_use)]
use singleton_runtime::init_once;

#[init_once]
fn set_global_determinism(seed: u64) {
    let _ = seed;
}

fn main() {
    // A second call's error must not be dropped silently.
    set_global_determinism(42);
}
