use singleton_runtime::singleton;

#[singleton]
fn registry<T: Default>() -> Vec<T> {
    Vec::new()
}

fn main() {}
