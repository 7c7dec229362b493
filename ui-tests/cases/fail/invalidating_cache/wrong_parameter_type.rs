use singleton_runtime::invalidating_cache;

#[invalidating_cache(path = "app.toml")]
fn config(path: &str) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

fn main() {}
