use singleton_runtime::guarded_global;

#[guarded_global(name = JOBS)]
static JOBS: Vec<u32> = Vec::new();

fn main() {}
