//! One mistake, one error: an unknown argument, and `Pool::instance()` (with its
//! `init`, still used) type-checks beside it.

#![deny(warnings)]

use singleton_runtime::singleton;

#[singleton(init = Pool::connect, retries = 3)]
struct Pool {
    size: usize,
}

impl Pool {
    fn connect() -> Self {
        Pool { size: 4 }
    }
}

fn main() {
    let pool: &'static Pool = Pool::instance();
    assert_eq!(pool.size, 4);
}
