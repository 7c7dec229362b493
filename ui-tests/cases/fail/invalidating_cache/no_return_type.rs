use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn config(path: &Path) {
    let _ = std::fs::read_to_string(path);
}

fn main() {}
