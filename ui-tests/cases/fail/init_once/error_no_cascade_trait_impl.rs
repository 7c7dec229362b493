//! One mistake, one error, also in a trait impl: the stub of a method whose trait
//! declares the wrapped signature adds no item the trait lacks, and the body it leaves
//! out is still checked (its mistake reported, its import used).

#![deny(warnings)]

use std::fs::read_to_string;

use singleton_runtime::{AlreadyInitialized, init_once};

trait Service {
    fn start(config: &str) -> Result<usize, AlreadyInitialized>;
}

struct Server;

impl Service for Server {
    #[init_once(concurrent = maybe)]
    fn start(config: &str) -> usize {
        let retries: u8 = "three";
        let _ = retries;
        read_to_string(config).map_or(0, |text| text.len())
    }
}

fn main() {
    let _ = Server::start("app.toml");
}
