use singleton_runtime::singleton;

#[singleton]
static NAMES: Vec<String> = Vec::new();

fn main() {}
