use singleton_runtime::singleton;

// Every mistake is reported once, in the order it is written: the arguments' first.
#[derive(Debug)]
struct LoadError;

#[singleton(error = LoadError)]
#[derive(Default, Clone)]
struct Registry;

// `async` comes before the parameter.
#[singleton(scope = thread)]
async fn counter(start: u32) -> u32 {
    start
}

fn main() {}
