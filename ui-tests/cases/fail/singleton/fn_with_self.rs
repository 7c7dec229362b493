use singleton_runtime::singleton;

struct Loader;

impl Loader {
    #[singleton]
    fn shared(&self) -> Vec<u8> {
        Vec::new()
    }
}

fn main() {}
