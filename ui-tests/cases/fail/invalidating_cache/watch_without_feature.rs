use std::path::Path;

use singleton_runtime::invalidating_cache;

// The UI tests build the runtime without its `watch` feature.
#[invalidating_cache(path = "app.toml", watch = true)]
fn config(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {}
