use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml", watch = "yes")]
fn config(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {}
