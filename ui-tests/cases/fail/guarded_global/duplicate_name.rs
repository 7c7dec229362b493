use singleton_runtime::guarded_global;

#[guarded_global(name = "jobs", name = "queue")]
static JOBS: Vec<u32> = Vec::new();

fn main() {}
