//! An item passed whole as `$i:item` (in an invisible group) is checked like a written
//! one: the mistake at its token, one error, and the stub beside it keeps the use free
//! of errors.

#![deny(warnings)]

use singleton_runtime::init_once;

macro_rules! once_item {
    ($item:item) => {
        #[init_once]
        $item
    };
}

once_item! {
    async fn setup() {}
}

fn main() {
    let _ = setup();
}
