use singleton_runtime::singleton;

#[singleton(init)]
struct Registry;

fn main() {}
