use singleton_runtime::singleton;

#[derive(Debug)]
struct LoadError;

#[singleton(init = Registry::load)]
struct Registry;

impl Registry {
    fn load() -> Result<Self, LoadError> {
        Ok(Registry)
    }
}

fn main() {}
