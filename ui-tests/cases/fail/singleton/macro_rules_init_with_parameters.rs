use singleton_runtime::singleton;

macro_rules! registry {
    ($name:ident, $init:path) => {
        #[singleton(init = $init)]
        struct $name(usize);
    };
}

fn sized(capacity: usize) -> Sized_ {
    Sized_(capacity)
}

registry!(Sized_, sized);

fn main() {}
