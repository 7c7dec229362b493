//! One mistake, one error: a thread-scoped `async fn` still gets its module
//! (`counter::with`, `counter::try_with`) beside the error about `async`.

#![deny(warnings)]

use std::cell::Cell;

use singleton_runtime::singleton;

#[singleton(scope = thread)]
async fn counter() -> Cell<u32> {
    Cell::new(0)
}

fn main() {
    counter::with(|count| count.set(count.get() + 1));
    assert_eq!(counter::try_with(Cell::get).ok(), Some(1));
}
