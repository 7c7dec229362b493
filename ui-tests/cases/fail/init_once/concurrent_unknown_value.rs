use singleton_runtime::init_once;

#[init_once(concurrent = block)]
fn setup() {}

#[init_once(concurrent = false)]
fn configure() {}

fn main() {}
