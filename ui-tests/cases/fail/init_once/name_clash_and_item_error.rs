use singleton_runtime::init_once;

// A name the arguments give that clashes with the fn, and a mistake in the item: both
// reported, in source order.
#[init_once(state = setup)]
async fn setup() {}

fn main() {}
