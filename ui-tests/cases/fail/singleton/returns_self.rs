use singleton_runtime::singleton;

struct Registry;

impl Registry {
    #[singleton]
    fn shared() -> Self {
        Registry
    }
}

fn main() {}
