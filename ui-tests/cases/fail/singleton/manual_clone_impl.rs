use singleton_runtime::singleton;

#[singleton]
#[derive(Default)]
struct Registry {
    names: Vec<String>,
}

impl Clone for Registry {
    fn clone(&self) -> Self {
        Registry { names: self.names.clone() }
    }
}

fn main() {}
