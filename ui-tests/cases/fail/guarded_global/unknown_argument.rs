use singleton_runtime::guarded_global;

#[guarded_global(timeout = 50)]
static JOBS: Vec<u32> = Vec::new();

fn main() {}
