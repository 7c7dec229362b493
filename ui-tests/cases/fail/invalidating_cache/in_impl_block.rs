use std::path::Path;

use singleton_runtime::invalidating_cache;

struct Settings;

// A module `text` is generated beside the loader, and no module can be declared in an
// `impl`: rustc's "module is not supported in `trait`s or `impl`s" comes first.
impl Settings {
    #[invalidating_cache(path = "app.toml")]
    fn text(path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }
}

fn main() {}
