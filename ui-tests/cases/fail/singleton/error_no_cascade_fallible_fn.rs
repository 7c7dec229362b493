//! One mistake, one error: a `const` singleton fn returning `Result` still returns
//! `Result<&'static Limits, LimitError>` beside the error about `const`.

#![deny(warnings)]

use singleton_runtime::singleton;

#[derive(Debug)]
struct LimitError;

struct Limits {
    max: u32,
}

#[singleton]
const fn limits() -> Result<Limits, LimitError> {
    Ok(Limits { max: 10 })
}

fn main() -> Result<(), LimitError> {
    let limits: &'static Limits = limits()?;
    assert_eq!(limits.max, 10);
    Ok(())
}
