use singleton_runtime::singleton;

#[singleton(init = || Buffer { start: std::ptr::null_mut() })]
struct Buffer {
    start: *mut u8,
}

fn main() {}
