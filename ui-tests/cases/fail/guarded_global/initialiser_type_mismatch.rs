use std::collections::HashMap;

use singleton_runtime::guarded_global;

#[guarded_global]
static FEATURES: HashMap<String, bool> = Vec::new();

fn main() {}
