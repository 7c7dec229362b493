//! The tour: every macro of `singleton` under real threads, recreating the seed
//! patterns (the Python post-mortems the crate comes from), printing what happened.
//!
//! Run it with `cargo run -p singleton-runtime --example tour`.

mod async_;
mod cache;
mod env;
mod guarded;
mod once;
mod thread;

/// The message of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("<non-string panic>")
}

/// Runs `f` with the default panic hook silenced, so that the tour prints only the
/// messages it catches.
fn quietly<R>(f: impl FnOnce() -> R) -> R {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = f();
    std::panic::set_hook(hook);
    result
}

fn main() {
    once::run();
    guarded::run();
    cache::run();
    env::run();
    thread::run();
    async_::run();
    println!("\ntour finished");
}
