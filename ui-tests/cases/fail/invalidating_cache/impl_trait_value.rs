use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn config(path: &Path) -> Result<impl std::fmt::Display, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {}
