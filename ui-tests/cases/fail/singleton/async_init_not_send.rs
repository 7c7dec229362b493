use std::rc::Rc;

use singleton_runtime::singleton;

async fn fetch() -> u32 {
    1
}

#[singleton]
async fn counter() -> u32 {
    let local = Rc::new(1);
    let fetched = fetch().await;
    *local + fetched
}

fn main() {}
