use std::path::Path;

use singleton_runtime::invalidating_cache;

struct Loader;

impl Loader {
    #[invalidating_cache(path = "app.toml")]
    fn config(&self, path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }
}

fn main() {}
