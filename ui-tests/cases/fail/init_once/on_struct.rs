use singleton_runtime::init_once;

#[init_once]
struct Settings;

fn main() {}
