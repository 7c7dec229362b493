// `init` names a value, not a function: the macro's message, not rustc's bound on a
// `__private` trait.

use singleton_runtime::singleton;

const DEFAULT: Limits = Limits { max: 8 };

#[singleton(init = DEFAULT)]
pub struct Limits {
    max: u32,
}

fn main() {
    let _ = Limits::instance().max;
}
