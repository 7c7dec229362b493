use singleton_runtime::guarded_global;

#[guarded_global]
const LIMIT: u32 = 8;

fn main() {}
