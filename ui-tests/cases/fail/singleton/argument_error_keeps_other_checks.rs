use singleton_runtime::singleton;

// A mistake in one argument does not hide the checks the others ask for: the unknown
// `retries` and the `async fn` that `scope = thread` cannot take are both reported.
#[singleton(scope = thread, retries = 3)]
async fn counter() -> u32 {
    0
}

// ... nor do they report what the malformed argument would have said: `init` that does
// not parse is its own error, not also "`error = ...` needs `init`".
#[derive(Debug)]
struct LoadError;

#[singleton(init = 1 + 2, error = LoadError)]
struct Pool;

fn main() {
    counter::with(|_| ());
}
