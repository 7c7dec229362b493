use singleton_runtime::guarded_global;

// A mistake in the arguments and one in the item are reported together.
#[guarded_global(name = 5)]
static mut COUNT: u32 = 0;

fn main() {}
