use singleton_runtime::invalidating_cache;

macro_rules! cached_file {
    ($name:ident($arg:ident: $p:ty) -> $out:ty) => {
        #[invalidating_cache(path = "app.toml")]
        fn $name($arg: $p) -> $out {
            std::fs::read_to_string($arg).map(Box::new)
        }
    };
}

cached_file!(text(path: &std::path::Path) -> Result<Box<impl std::fmt::Display>, std::io::Error>);

fn main() {}
