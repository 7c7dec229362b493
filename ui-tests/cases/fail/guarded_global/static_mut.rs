use singleton_runtime::guarded_global;

#[guarded_global]
static mut COUNTER: u64 = 0;

fn main() {}
