//! `for_each` visits every thread's instance from the calling thread, so it needs a
//! `Sync` value; a non-`Sync` one still compiles everywhere else.

use std::cell::Cell;

use singleton_runtime::singleton;

#[singleton(scope = thread)]
fn counter() -> Cell<u64> {
    Cell::new(0)
}

fn main() {
    counter::with(|c| c.set(1));
    counter::for_each(|c| println!("{}", c.get()));
}
