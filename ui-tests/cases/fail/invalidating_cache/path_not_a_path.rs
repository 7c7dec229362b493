use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = 8080)]
fn config(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {}
