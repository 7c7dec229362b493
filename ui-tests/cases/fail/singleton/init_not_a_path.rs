use singleton_runtime::singleton;

#[singleton(init = 42)]
struct Registry;

fn main() {}
