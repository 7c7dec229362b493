// `init` names an `unsafe fn`, which the macro cannot call: the message says to wrap it
// in a closure, not that the function takes parameters, nor rustc's bound on a
// `__private` trait.

use singleton_runtime::singleton;

#[singleton(init = Device::open)]
pub struct Device {
    handle: u32,
}

impl Device {
    /// # Safety
    /// Once per process.
    unsafe fn open() -> Self {
        Device { handle: 3 }
    }
}

fn main() {
    let _ = Device::instance().handle;
}
