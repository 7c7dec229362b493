//! The tour: every macro of `singleton` under real threads, recreating the seed
//! patterns (the Python post-mortems the crate comes from), printing what happened.
//!
//! Run it with `cargo run -p singleton-runtime --example tour`.

mod async_;
mod cache;
mod env;
mod guarded;
mod once;

fn main() {
    once::run();
    guarded::run();
    cache::run();
    env::run();
    async_::run();
    println!("\ntour finished");
}
