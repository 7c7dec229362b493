use singleton_runtime::invalidating_cache;

macro_rules! cached_file {
    ($name:ident($arg:ident: $p:ty) -> $out:ty) => {
        #[invalidating_cache(path = "app.toml")]
        fn $name($arg: $p) -> $out {
            std::fs::read_to_string($arg).unwrap_or_default()
        }
    };
}

cached_file!(text(path: &std::path::Path) -> String);

fn main() {}
