use singleton_runtime::singleton;

#[singleton(error = std::io::Error)]
#[derive(Default)]
struct Registry;

fn main() {}
