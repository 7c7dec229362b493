// The field check leaves out fields whose type names the struct (`Self`) or is a macro
// invocation; the struct is still checked whole, so a non-`Send + Sync` type there is
// still rejected (with rustc's message, at the struct).

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;

use singleton_runtime::singleton;

macro_rules! shared {
    ($t:ty) => {
        Rc<$t>
    };
}

#[singleton]
#[derive(Default)]
pub struct Registry {
    names: shared!(String),
}

#[singleton]
#[derive(Default)]
pub struct Node {
    me: PhantomData<(Self, Cell<u8>)>,
}

fn main() {
    let _ = (&Registry::instance().names, &Node::instance().me);
}
