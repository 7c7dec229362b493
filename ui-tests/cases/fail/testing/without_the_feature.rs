//! The `testing` feature is off in this package: every override and reset is refused
//! at the call, with a message naming the feature.

use singleton_runtime::{guarded_global, init_once, singleton};

#[singleton]
#[derive(Default)]
struct Settings {
    retries: u32,
}

#[singleton]
fn region() -> String {
    "eu".to_owned()
}

#[guarded_global]
static LIMIT: u32 = 10;

#[init_once(reset = reset_setup)]
fn setup() {}

#[init_once(state = CONFIGURED)]
fn configure() {}

fn main() {
    Settings::override_instance(Settings { retries: 0 }, || ());
    region::reset();
    LIMIT.override_guard(3);
    reset_setup();
    CONFIGURED.reset();
    scratch::reset();
}

#[singleton(scope = thread)]
fn scratch() -> Vec<u8> {
    Vec::new()
}
