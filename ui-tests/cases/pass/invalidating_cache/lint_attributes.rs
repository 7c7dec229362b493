//! Lint attributes on the loader cover its body: `#[expect]` is fulfilled there (and not
//! left unfulfilled on the generated fn), under `deny(warnings)`.
#![deny(warnings)]

use std::path::Path;

use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "/definitely/missing/lint.toml")]
#[expect(unused_variables, reason = "the loader ignores the file on purpose")]
fn fixed(path: &Path) -> Result<u32, std::io::Error> {
    let unused = 1;
    Ok(7)
}

#[invalidating_cache(path = "/definitely/missing/lint2.toml")]
#[allow(clippy::unnecessary_wraps)]
fn also_fixed(path: &Path) -> Result<u32, std::io::Error> {
    let _ = path;
    Ok(8)
}

fn main() {
    assert_eq!(*fixed().unwrap(), 7);
    assert_eq!(*also_fixed().unwrap(), 8);
}
