use std::cell::RefCell;
use std::rc::Rc;
use std::sync::MutexGuard;

use singleton_runtime::singleton;

#[singleton(init = Session::start)]
struct Session {
    user: Rc<String>,
    ok: u32,
    log: RefCell<Vec<String>>,
    held: Option<MutexGuard<'static, u32>>,
}

impl Session {
    fn start() -> Self {
        Session {
            user: Rc::default(),
            ok: 0,
            log: RefCell::default(),
            held: None,
        }
    }
}

fn main() {}
