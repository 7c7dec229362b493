//! One mistake, one error: the `async fn` still returns
//! `Result<u16, InitOnceError<ParseIntError>>` beside the error about `async`, so code
//! written for that adds no errors of its own.

#![deny(warnings)]

use std::num::ParseIntError;

use singleton_runtime::{InitOnceError, init_once};

#[init_once]
async fn parse_port(text: String) -> Result<u16, ParseIntError> {
    text.parse()
}

async fn start() -> Result<u16, InitOnceError<ParseIntError>> {
    let port = parse_port("8080".to_owned()).await?;
    Ok(port)
}

fn main() {
    let _ = start();
}
