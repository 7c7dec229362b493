use singleton_runtime::init_once;

#[init_once]
const fn setup() {}

fn main() {}
