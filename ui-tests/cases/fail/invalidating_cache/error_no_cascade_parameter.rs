//! One mistake, one error: a loader taking `&str` still gives `settings()` and its
//! module beside the error at the parameter.

#![deny(warnings)]

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "settings.toml")]
fn settings(path: &str) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {
    let text = settings().map(|text| text.len());
    let _ = (text, settings::with(|text| text.is_empty()));
}
