use singleton_runtime::singleton;

#[singleton]
#[derive(Default, Clone, Copy)]
struct Limits {
    max: u32,
}

fn main() {}
