//! One mistake, one error: a `name` that is not a string, and `FEATURES` is still a
//! guarded global beside the error.

#![deny(warnings)]

use std::collections::HashMap;

use singleton_runtime::guarded_global;

#[guarded_global(name = feature_registry)]
static FEATURES: HashMap<String, bool> = HashMap::new();

fn main() {
    FEATURES.write(|features| features.insert("dark_mode".to_owned(), true));
    assert_eq!(FEATURES.read(HashMap::len), 1);
}
