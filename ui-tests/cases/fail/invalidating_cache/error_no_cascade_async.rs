//! One mistake, one error: the cached fn and its module are still there beside the
//! error about `async`, so calls written for them add no errors of their own.

#![deny(warnings)]

use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
async fn config(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {
    let text = config().map(|text| text.len());
    let length = config::with(String::len);
    config::invalidate();
    let reloaded = config::reload().is_ok();
    let _ = (text, length, reloaded, config::generation(), config::last_error());
}
