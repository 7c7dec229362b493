//! An item passed whole as `$i:item` (in an invisible group) is checked like a written
//! one: each mistake at its token, one error each, and the stubs beside it keep the
//! uses free of errors.

#![deny(warnings)]

use singleton_runtime::singleton;

macro_rules! singleton_item {
    ($item:item) => {
        #[singleton]
        $item
    };
}

singleton_item! {
    #[derive(Default, Clone)]
    struct Registry;
}

singleton_item! {
    fn doubled(x: u8) -> u8 {
        x * 2
    }
}

fn main() {
    let _ = (Registry::instance(), doubled(1), doubled::get());
}
