use std::cell::Cell;

use singleton_runtime::singleton;

type Hits = Cell<u64>;

#[singleton]
#[derive(Default)]
struct Counter {
    total: u64,
    hits: Hits,
}

fn main() {}
