use std::collections::HashMap;

use singleton_runtime::guarded_global;

#[guarded_global]
fn registry() -> HashMap<String, u32> {
    HashMap::new()
}

fn main() {}
