use singleton_runtime::guarded_global;

#[guarded_global]
struct Registry {
    names: Vec<String>,
}

fn main() {}
