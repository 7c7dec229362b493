use singleton_runtime::singleton;

#[singleton(scope = task)]
fn request_id() -> u64 {
    0
}

fn main() {}
