use singleton_runtime::singleton;

macro_rules! lazy_global {
    ($name:ident: $t:ty = $body:block) => {
        #[singleton]
        pub fn $name() -> $t $body
    };
}

struct Registry;

impl Registry {
    lazy_global!(global: Option<Self> = { None });
}

fn main() {}
