use singleton_runtime::singleton;

// Every unknown argument is reported, each at its key, not only the first; a value
// with a comma inside (`Result<u8, u8>`) is skipped whole.
#[singleton(retries = Result<u8, u8>, init = Pool::new, capacity = 2)]
struct Pool;

impl Pool {
    fn new() -> Self {
        Pool
    }
}

fn main() {
    let _ = Pool::instance();
}
