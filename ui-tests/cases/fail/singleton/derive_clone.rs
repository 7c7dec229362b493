use singleton_runtime::singleton;

#[singleton]
#[derive(Default, Clone)]
struct Registry {
    names: Vec<String>,
}

fn main() {}
