use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn config() -> Result<String, std::io::Error> {
    std::fs::read_to_string("app.toml")
}

fn main() {}
