use std::rc::Rc;

use singleton_runtime::singleton;

macro_rules! registry {
    ($name:ident { $field:ident: $t:ty }) => {
        #[singleton]
        #[derive(Default)]
        struct $name {
            $field: $t,
        }
    };
}

registry!(Names { names: Rc<Vec<String>> });

fn main() {}
