use singleton_runtime::init_once;

#[init_once(name = "determinism")]
fn set_global_determinism(seed: u64) {
    let _ = seed;
}

fn main() {}
