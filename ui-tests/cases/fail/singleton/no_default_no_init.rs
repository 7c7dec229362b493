use singleton_runtime::singleton;

#[singleton]
struct Registry {
    names: Vec<String>,
}

fn main() {
    let _ = Registry::instance();
}
