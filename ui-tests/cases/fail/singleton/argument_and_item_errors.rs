use singleton_runtime::singleton;

// A mistake in the arguments and one in the item are reported together.
#[singleton(capacity = 64)]
fn registry(size: usize) -> Vec<u8> {
    Vec::with_capacity(size)
}

fn main() {}
