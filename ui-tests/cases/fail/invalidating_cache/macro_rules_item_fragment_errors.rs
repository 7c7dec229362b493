//! An item passed whole as `$i:item` (in an invisible group) is checked like a written
//! one: the mistake at its token, one error, and the stubs beside it keep the uses free
//! of errors.

#![deny(warnings)]

use std::path::Path;

use singleton_runtime::invalidating_cache;

macro_rules! cached_item {
    ($item:item) => {
        #[invalidating_cache(path = "app.toml")]
        $item
    };
}

cached_item! {
    async fn settings(path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }
}

fn main() {
    let _ = (settings(), settings::generation());
}
