use std::path::Path;
use std::str::FromStr;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn config<T: FromStr>(path: &Path) -> Result<T, T::Err> {
    std::fs::read_to_string(path).unwrap_or_default().parse()
}

fn main() {}
