use std::path::Path;

use singleton_runtime::invalidating_cache;

mod text {}

// The generated module `text` clashes with the one above: E0428 first, then one "cannot
// find" for the marker the generated paths name (tests/link_names.rs: why paths).
#[invalidating_cache(path = "app.toml")]
fn text(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

mod other {
    pub mod lines {}
}

// The same with a module brought in by `use`.
use other::lines;

#[invalidating_cache(path = "app.toml")]
fn lines(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {}
