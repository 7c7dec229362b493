//! Overrides and resets of every macro's globals, as a user's tests write them,
//! including from globals declared in nested modules and by `macro_rules`.

use std::path::Path;

use singleton_runtime::testing::{OverrideGuard, Overrides};
use singleton_runtime::{guarded_global, init_once, invalidating_cache, singleton};

#[singleton]
#[derive(Default)]
pub struct Registry {
    names: Vec<&'static str>,
}

#[singleton(init = || Ok(Port(80)), error = std::num::ParseIntError)]
struct Port(u16);

mod config {
    use singleton_runtime::singleton;

    #[singleton]
    pub fn region() -> String {
        "eu".to_owned()
    }
}

#[singleton]
fn threads() -> std::io::Result<usize> {
    Ok(8)
}

#[guarded_global]
static QUEUE: Vec<u32> = Vec::new();

#[invalidating_cache(path = "Cargo.toml")]
fn manifest(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

macro_rules! declare {
    ($name:ident) => {
        #[singleton]
        fn $name() -> u8 {
            1
        }
    };
}

declare!(generated);

#[init_once(reset = reset_setup)]
pub fn setup(level: u8) -> u8 {
    level
}

struct Engine;

impl Engine {
    #[init_once(reset = reset_start)]
    fn start() {}

    #[init_once(state = STOPPED)]
    fn stop() {}
}

fn main() {
    Registry::override_instance(Registry { names: vec!["test"] }, || {
        assert_eq!(Registry::instance().names, ["test"]);
    });
    let _port: OverrideGuard = Port::override_instance_guard(Port(8080));
    assert_eq!(Port::instance().unwrap().0, 8080);
    config::region::override_with("us".to_owned(), || assert_eq!(config::region(), "us"));
    threads::override_with(1, || assert_eq!(*threads().unwrap(), 1));
    QUEUE.override_with(vec![1], || assert_eq!(QUEUE.read(Vec::len), 1));
    manifest::override_with(String::new(), || assert!(manifest().unwrap().is_empty()));
    generated::override_with(2, || assert_eq!(*generated(), 2));
    let overrides = Overrides::capture();
    std::thread::spawn(move || overrides.scope(|| assert_eq!(Port::instance().unwrap().0, 8080)))
        .join()
        .unwrap();

    Registry::reset_instance();
    Port::reset_instance();
    config::region::reset();
    QUEUE.reset();
    manifest::reset();
    generated::reset();
    assert_eq!(setup(1), Ok(1));
    reset_setup();
    assert_eq!(setup(2), Ok(2));
    Engine::start().unwrap();
    Engine::reset_start();
    Engine::start().unwrap();
    Engine::stop().unwrap();
    Engine::STOPPED.reset();
    assert!(!Engine::STOPPED.is_done());
    Engine::stop().unwrap();
}
