use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
struct Config {
    text: String,
}

fn main() {}
