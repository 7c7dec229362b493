use singleton_runtime::singleton;

// A derive above the attribute is invisible to the macro; the type-level check sees it.
#[derive(Default, Clone)]
#[singleton]
struct Registry {
    names: Vec<String>,
}

fn main() {}
