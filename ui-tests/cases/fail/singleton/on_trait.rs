use singleton_runtime::singleton;

#[singleton]
trait Registry {}

fn main() {}
