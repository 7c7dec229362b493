//! Beside an error, the body the stub leaves out is still checked as written: a
//! mistake in it is reported (here the `u8` from a `&str`), and the import only the
//! body uses is used (no "unused import" that `#![deny(warnings)]` would make an error).

#![deny(warnings)]

use std::fs::read_to_string;

use singleton_runtime::singleton;

#[singleton]
fn settings(path: &str) -> String {
    let retries: u8 = "three";
    let _ = retries;
    read_to_string(path).unwrap_or_default()
}

fn main() {
    let _: &'static String = settings("app.toml");
}
