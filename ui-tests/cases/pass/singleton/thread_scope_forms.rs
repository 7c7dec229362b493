//! `scope = thread`: fn and struct forms, non-`Sync` values (the point of per-thread
//! state), `init = path`, `scope = process` spelled out.

use std::cell::{Cell, RefCell};

use singleton_runtime::singleton;

#[singleton(scope = thread)]
fn scratch() -> RefCell<Vec<u8>> {
    RefCell::new(Vec::with_capacity(16))
}

#[singleton(scope = thread)]
#[derive(Default)]
pub struct Counter {
    hits: Cell<u32>,
}

#[singleton(scope = thread, init = Ids::start)]
struct Ids {
    next: Cell<u64>,
}

impl Ids {
    fn start() -> Self {
        Ids { next: Cell::new(100) }
    }
}

#[singleton(scope = process)]
fn shared() -> u8 {
    3
}

fn main() {
    scratch::with(|s| s.borrow_mut().push(1));
    assert_eq!(scratch::with(|s| s.borrow().len()), 1);
    Counter::with_instance(|c| c.hits.set(c.hits.get() + 1));
    assert_eq!(Counter::try_with_instance(|c| c.hits.get()), Ok(1));
    assert_eq!(Ids::with_instance(|i| i.next.get()), 100);
    assert_eq!(*shared(), 3);
    std::thread::spawn(|| assert_eq!(scratch::with(|s| s.borrow().len()), 0))
        .join()
        .unwrap();
}
