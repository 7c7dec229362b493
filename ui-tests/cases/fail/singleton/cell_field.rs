use singleton_runtime::singleton;
use std::cell::Cell;

#[singleton]
#[derive(Default)]
struct Counter {
    hits: Cell<u64>,
}

fn main() {}
