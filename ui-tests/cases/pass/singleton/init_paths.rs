//! `init = ...` takes any path to a fn, or a closure.

use singleton_runtime::singleton;

mod loaders {
    pub fn pool() -> super::Pool {
        super::Pool { size: 4 }
    }
}

#[singleton(init = loaders::pool)]
struct Pool {
    size: usize,
}

#[singleton(init = Cache::with_capacity)]
struct Cache {
    capacity: usize,
}

impl Cache {
    fn with_capacity() -> Self {
        Cache { capacity: 64 }
    }
}

#[singleton(init = crate::more::pool_limit)]
struct Limit(usize);

#[singleton(init = || Greeting(String::from("hi")))]
struct Greeting(String);

#[derive(Debug)]
struct LoadError;

#[singleton(init = Settings::load, error = LoadError)]
struct Settings {
    verbose: bool,
}

impl Settings {
    fn load() -> Result<Self, LoadError> {
        Ok(Settings { verbose: true })
    }
}

mod more {
    pub fn pool_limit() -> super::Limit {
        super::Limit(9)
    }
}

fn main() {
    assert_eq!(Pool::instance().size, 4);
    assert_eq!(Cache::instance().capacity, 64);
    assert_eq!(Limit::instance().0, 9);
    assert_eq!(Greeting::instance().0, "hi");
    assert!(Settings::instance().unwrap().verbose);
}
