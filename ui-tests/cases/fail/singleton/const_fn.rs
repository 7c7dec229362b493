use singleton_runtime::singleton;

#[singleton]
const fn limit() -> u32 {
    10
}

fn main() {}
