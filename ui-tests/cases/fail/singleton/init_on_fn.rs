use singleton_runtime::singleton;

fn build() -> Vec<u8> {
    Vec::new()
}

#[singleton(init = build)]
fn buffer() -> Vec<u8> {
    Vec::new()
}

fn main() {}
