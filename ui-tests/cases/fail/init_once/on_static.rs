use singleton_runtime::init_once;

#[init_once]
static SEED: u64 = 42;

fn main() {}
