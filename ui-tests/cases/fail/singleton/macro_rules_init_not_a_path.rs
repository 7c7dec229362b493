use singleton_runtime::singleton;

macro_rules! with_init {
    ($name:ident, $init:expr) => {
        #[singleton(init = $init)]
        pub struct $name(pub usize);
    };
}

with_init!(Pool, Pool(4));

fn main() {}
