use singleton_runtime::singleton;

// A fn that never returns has no value to share: one error, at the `!` (also beside
// another mistake, where no stub is derived from it).
#[singleton]
fn forever() -> ! {
    loop {}
}

#[singleton]
fn with_parameter(code: i32) -> ! {
    std::process::exit(code)
}

fn main() {}
