use std::rc::Rc;

use singleton_runtime::singleton;

#[singleton(init = async Pool::connect)]
struct Pool {
    hosts: Rc<Vec<String>>,
}

impl Pool {
    async fn connect() -> Self {
        Pool { hosts: Rc::new(Vec::new()) }
    }
}

fn main() {}
