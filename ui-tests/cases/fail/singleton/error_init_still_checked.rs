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
}

use db::{connect, open, wrong};
use singleton_runtime::singleton;

#[singleton(init = connect)]
#[derive(Clone)]
pub struct Pool;

#[singleton(init = async open)]
#[derive(Clone)]
pub struct Client;

#[singleton(init = wrong, retries = 3)]
pub struct Settings;

fn main() {
    let _ = (Pool::instance(), Client::instance(), Settings::instance());
}
