//! An async closure's future is type-checked with the body that holds it, so a probe
//! cannot know yet whether it is `Send`: this keeps rustc's message (which points at
//! the value and the `.await`), not ours. `init = async path` gets ours.

use std::rc::Rc;

use singleton_runtime::singleton;

async fn fetch() -> u32 {
    1
}

#[singleton(init = async || {
    let local = Rc::new(1);
    let fetched = fetch().await;
    Pool(*local + fetched)
})]
struct Pool(u32);

fn main() {}
