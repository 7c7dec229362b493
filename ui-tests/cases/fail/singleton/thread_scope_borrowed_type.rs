use singleton_runtime::singleton;

#[singleton(scope = thread)]
fn greeting() -> &str {
    "hello"
}

fn main() {}
