use singleton_runtime::init_once;

#[init_once]
extern "C" fn install_handler() {}

fn main() {}
