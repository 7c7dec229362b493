//! An `unsafe fn` promises its callers a contract; the thread-scoped accessors
//! (`counter::with`, `counter::try_with`) are safe to call, so the contract would be
//! silently dropped. Rejected, with the way out.

use singleton_runtime::singleton;

#[singleton(scope = thread)]
unsafe fn counter() -> u32 {
    1
}

fn main() {
    // Compiles without `unsafe` if the macro drops the fn's `unsafe`.
    counter::with(|_| ());
}
