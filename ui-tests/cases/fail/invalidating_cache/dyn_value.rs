use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn text(path: &Path) -> Result<dyn std::fmt::Display + Send + Sync, std::io::Error> {
    todo!("{}", path.display())
}

fn main() {}
