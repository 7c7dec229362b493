use singleton_runtime::singleton;

mod registry {}

// The generated module `registry` clashes with the one above: E0428 first, then one "cannot
// find" for the marker the generated paths name (tests/link_names.rs: why paths).
#[singleton]
fn registry() -> Vec<u8> {
    Vec::new()
}

mod other {
    pub mod lines {}
    pub mod counter {}
    pub mod pool {}
}

// The same with a module brought in by `use`, and with an async fn.
use other::lines;

#[singleton]
async fn lines() -> Result<Vec<u8>, String> {
    Ok(Vec::new())
}

// The same for a thread-scoped fn.
use other::counter;

#[singleton(scope = thread)]
fn counter() -> std::cell::Cell<u32> {
    std::cell::Cell::new(0)
}

mod pool {}

#[singleton(scope = thread)]
fn pool() -> Vec<u8> {
    Vec::new()
}

fn main() {}
