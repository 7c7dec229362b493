use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn config(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn main() {}
