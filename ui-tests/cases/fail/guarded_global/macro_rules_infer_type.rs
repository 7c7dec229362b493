use singleton_runtime::guarded_global;

macro_rules! global {
    ($name:ident: $t:ty = $e:expr) => {
        #[guarded_global]
        static $name: $t = $e;
    };
}

global!(COUNT: _ = 0u32);

fn main() {}
