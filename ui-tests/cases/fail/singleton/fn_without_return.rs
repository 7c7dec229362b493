use singleton_runtime::singleton;

#[singleton]
fn warm_up() {}

fn main() {}
