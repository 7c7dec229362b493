//! A thread-scoped override belongs to the thread that installed it: its guard, dropped
//! on another thread, would end nothing there and leave the override in force here.

use std::cell::Cell;

use singleton_runtime::singleton;

#[singleton(scope = thread)]
fn budget() -> Cell<u32> {
    Cell::new(100)
}

fn main() {
    let guard = budget::override_guard(Cell::new(1));
    std::thread::spawn(move || drop(guard));
}
