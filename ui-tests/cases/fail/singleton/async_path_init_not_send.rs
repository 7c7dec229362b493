use std::rc::Rc;

use singleton_runtime::singleton;

async fn fetch() -> u32 {
    1
}

#[singleton(init = async Pool::connect)]
struct Pool(u32);

impl Pool {
    async fn connect() -> Self {
        let local = Rc::new(1);
        let fetched = fetch().await;
        Pool(*local + fetched)
    }
}

fn main() {}
