use singleton_runtime::init_once;

// A mistake in the arguments and one in the item are reported together.
#[init_once(name = "setup")]
async fn setup() {}

fn main() {}
