use singleton_runtime::singleton;

macro_rules! lazy_global {
    ($name:ident: $t:ty = $body:block) => {
        #[singleton]
        pub fn $name() -> $t $body
    };
}

lazy_global!(shown: dyn std::fmt::Display + Send + Sync = { todo!() });

fn main() {}
