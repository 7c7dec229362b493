use std::cell::Cell;

use singleton_runtime::guarded_global;

#[guarded_global]
static HITS: Cell<u64> = Cell::new(0);

fn main() {}
