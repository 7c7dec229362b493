//! One mistake, one error: the path is missing, and the cached fn and its module are
//! still there beside the error.

#![deny(warnings)]

use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(check_interval = std::time::Duration::from_millis(100))]
fn settings(path: &Path) -> Result<Vec<u8>, std::io::Error> {
    std::fs::read(path)
}

fn main() {
    let size = settings().map(|bytes| bytes.len());
    let _ = (size, settings::generation(), settings::last_loaded());
}
