use singleton_runtime::init_once;

// The item is rejected; its `state` const is still generated, so the uses below add no
// "cannot find" errors to the one that matters.
#[init_once(state = SETUP)]
async fn setup() {}

struct Engine;

impl Engine {
    #[init_once(state = READY)]
    const fn start() {}
}

fn main() {
    assert!(!SETUP.is_done());
    assert!(!Engine::READY.is_done());
}
