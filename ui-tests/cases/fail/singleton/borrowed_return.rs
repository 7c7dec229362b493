use singleton_runtime::singleton;

// The value lives in a `static`: a type that borrows (an elided or named lifetime) is
// an error at the lifetime, not rustc's "missing lifetime in associated type" inside
// the runtime (also beside another mistake, where no stub is derived from it). The fn
// is emitted as written, so `-> &str` with nothing to borrow from keeps rustc's own
// E0106 beside it (its suggestion, `'static`, is the same fix).
#[singleton]
fn greeting() -> &str {
    "hello"
}

#[singleton]
fn first_word<'a>() -> Vec<&'a str> {
    Vec::new()
}

#[singleton]
fn echo(text: &str) -> &str {
    text
}

fn main() {}
