use singleton_runtime::singleton;

#[singleton(scope = thread)]
async fn connection() -> u32 {
    1
}

#[singleton(scope = thread)]
fn parsed() -> Result<u32, std::num::ParseIntError> {
    "1".parse()
}

#[derive(Debug)]
struct LoadError;

#[singleton(scope = thread, init = Buffer::load, error = LoadError)]
struct Buffer;

impl Buffer {
    fn load() -> Result<Self, LoadError> {
        Ok(Buffer)
    }
}

fn main() {}
