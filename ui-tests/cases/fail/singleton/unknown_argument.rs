use singleton_runtime::singleton;

#[singleton(lazy = true)]
#[derive(Default)]
struct Registry;

fn main() {}
