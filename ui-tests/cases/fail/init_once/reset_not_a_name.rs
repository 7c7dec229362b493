use singleton_runtime::init_once;

#[init_once(reset = "reset_setup")]
fn setup() {}

fn main() {}
