use singleton_runtime::singleton;

macro_rules! lazy_global {
    ($name:ident: $t:ty = $body:block) => {
        #[singleton]
        pub fn $name() -> $t $body
    };
}

lazy_global!(shown: impl std::fmt::Display = { "hello" });

fn main() {}
