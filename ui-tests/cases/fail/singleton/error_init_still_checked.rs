//! Beside an error, the stub still calls `init` as `instance()` would (in a closure it
//! never calls): the fn it names is used (no "unused import" that `#![deny(warnings)]`
//! would make an error), and a mistake in it is still reported.

#![deny(warnings)]

mod db {
    pub fn connect() -> super::Pool {
        super::Pool
    }

    pub async fn open() -> super::Client {
        super::Client
    }

    pub fn wrong() -> u8 {
        0
    }

    pub async fn open_local() -> super::Local {
        super::Local
    }
}

use db::{connect, open, open_local, wrong};
use singleton_runtime::singleton;

#[singleton(init = connect)]
#[derive(Clone)]
pub struct Pool;

#[singleton(init = async open)]
#[derive(Clone)]
pub struct Client;

#[singleton(init = wrong, retries = 3)]
pub struct Settings;

// The mistake is the async `init` of a thread-scoped type: checked as declared, it
// adds nothing.
#[singleton(scope = thread, init = async open_local)]
pub struct Local;

fn main() {
    let _ = (Pool::instance(), Client::instance(), Settings::instance());
    Local::with_instance(|_| ());
}
