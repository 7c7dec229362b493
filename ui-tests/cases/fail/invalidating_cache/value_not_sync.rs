use std::path::Path;
use std::rc::Rc;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn config(path: &Path) -> Result<Rc<String>, std::io::Error> {
    std::fs::read_to_string(path).map(Rc::new)
}

fn main() {}
