use singleton_runtime::singleton;
use std::rc::Rc;

#[singleton]
#[derive(Default)]
struct SessionCache {
    entries: Rc<Vec<String>>,
}

fn main() {}
