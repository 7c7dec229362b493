//! An early `return` in the body coerces to the fn's return type, as in any fn: the
//! body's closure is annotated with it (an unannotated closure took its return type
//! from the first `return`, and the tail's different closure type did not match).

use singleton_runtime::init_once;

#[init_once]
pub fn make_handler(verbose: bool) -> Box<dyn Fn() -> u8> {
    if verbose {
        return Box::new(|| 1);
    }
    Box::new(|| 2)
}

#[init_once]
pub fn parse_handler(text: &str) -> Result<Box<dyn Fn() -> u8>, std::num::ParseIntError> {
    let n: u8 = text.parse()?;
    if n == 0 {
        return Ok(Box::new(|| 0));
    }
    Ok(Box::new(move || n))
}

/// `impl Trait` cannot annotate a closure: that form keeps the inferred return type.
#[init_once]
pub fn shown() -> impl std::fmt::Display {
    "shown"
}

fn main() {
    assert_eq!(make_handler(true).unwrap()(), 1);
    assert_eq!(parse_handler("5").unwrap()(), 5);
    assert!(make_handler(false).is_err());
    assert_eq!(shown().unwrap().to_string(), "shown");
}
