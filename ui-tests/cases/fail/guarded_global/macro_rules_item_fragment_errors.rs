//! An item passed whole as `$i:item` (in an invisible group) is checked like a written
//! one: the mistake at its token, one error, and the stub beside it keeps the uses free
//! of errors.

#![deny(warnings)]

use singleton_runtime::guarded_global;

macro_rules! global_item {
    ($item:item) => {
        #[guarded_global]
        $item
    };
}

global_item! {
    static mut COUNT: u8 = 0;
}

fn main() {
    COUNT.write(|count| *count += 1);
}
