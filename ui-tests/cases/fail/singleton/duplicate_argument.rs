use singleton_runtime::singleton;

fn a() -> Registry {
    Registry
}

#[singleton(init = a, init = a)]
struct Registry;

fn main() {}
