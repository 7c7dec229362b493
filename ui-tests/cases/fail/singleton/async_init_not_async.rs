use singleton_runtime::singleton;

#[singleton(init = async Pool::connect)]
struct Pool {
    size: usize,
}

impl Pool {
    fn connect() -> Self {
        Pool { size: 8 }
    }
}

fn main() {}
