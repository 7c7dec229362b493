use singleton_runtime::singleton;

#[singleton(init = Registry::load, error = std::io::Error)]
struct Registry;

impl Registry {
    fn load() -> Result<Self, String> {
        Ok(Registry)
    }
}

fn main() {}
