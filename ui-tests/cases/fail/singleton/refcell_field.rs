use singleton_runtime::singleton;
use std::cell::RefCell;

#[singleton]
#[derive(Default)]
struct Registry {
    names: RefCell<Vec<String>>,
}

fn main() {}
