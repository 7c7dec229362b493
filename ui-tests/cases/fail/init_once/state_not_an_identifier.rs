use singleton_runtime::init_once;

#[init_once(state = "SETUP")]
fn setup() {}

struct Engine;

impl Engine {
    // The const is generated beside the fn: name it, the `impl` makes it `Self::READY`.
    #[init_once(state = Self::READY)]
    fn start() {}
}

fn main() {}
