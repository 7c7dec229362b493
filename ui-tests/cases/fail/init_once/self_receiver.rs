use singleton_runtime::init_once;

struct Engine;

impl Engine {
    #[init_once]
    fn start(&self) {}
}

fn main() {}
