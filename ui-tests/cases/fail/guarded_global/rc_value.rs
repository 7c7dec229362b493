use std::rc::Rc;

use singleton_runtime::guarded_global;

#[guarded_global]
static NAMES: Vec<Rc<str>> = Vec::new();

fn main() {}
