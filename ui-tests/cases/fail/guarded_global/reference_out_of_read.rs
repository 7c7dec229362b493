use std::collections::HashMap;

use singleton_runtime::guarded_global;

#[guarded_global]
static FACTORIES: HashMap<String, String> = HashMap::new();

fn main() {
    // The closure tries to hand out a reference into the guarded map.
    let factory = FACTORIES.read(|m| m.get("resnet"));
    println!("{factory:?}");
}
