use singleton_runtime::singleton;

#[singleton]
#[derive(Default)]
struct Registry<T> {
    items: Vec<T>,
}

fn main() {}
