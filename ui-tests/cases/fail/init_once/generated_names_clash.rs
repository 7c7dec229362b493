use singleton_runtime::init_once;

// A const and a fn share one namespace: each generated item needs a name of its own.
#[init_once(state = setup)]
fn setup() {}

#[init_once(state = READY, reset = READY)]
fn start() {}

fn main() {}
