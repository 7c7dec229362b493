use singleton_runtime::singleton;
use std::rc::Rc;

#[singleton]
fn shared_names() -> Rc<Vec<String>> {
    Rc::new(Vec::new())
}

fn main() {}
