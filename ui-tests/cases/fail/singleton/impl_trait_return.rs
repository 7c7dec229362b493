use singleton_runtime::singleton;

#[singleton]
fn formatter() -> impl std::fmt::Display {
    "hello"
}

fn main() {}
