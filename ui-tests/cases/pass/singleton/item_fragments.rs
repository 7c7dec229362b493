//! Every macro on a whole item passed through an `$item:item` fragment.

use std::path::Path;

use singleton_runtime::{guarded_global, init_once, invalidating_cache, singleton};

macro_rules! with_singleton {
    ($item:item) => {
        #[singleton]
        $item
    };
}

macro_rules! with_init_once {
    ($item:item) => {
        #[init_once]
        $item
    };
}

macro_rules! with_guarded_global {
    ($item:item) => {
        #[guarded_global]
        $item
    };
}

macro_rules! with_cache {
    ($item:item) => {
        #[invalidating_cache(path = "/definitely/missing/app.toml")]
        $item
    };
}

with_singleton! {
    fn answer() -> Result<u32, String> { Ok(42) }
}

with_singleton! {
    #[derive(Default)]
    struct Registry(u8);
}

with_init_once! {
    fn setup() {}
}

with_guarded_global! {
    static COUNT: u32 = 0;
}

with_cache! {
    fn text(path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }
}

fn main() {
    let answer: Result<&'static u32, String> = answer();
    assert_eq!(answer, Ok(&42));
    assert_eq!(Registry::instance().0, 0);
    assert!(setup().is_ok());
    COUNT.write(|c| *c += 1);
    assert!(text().is_err());
}
