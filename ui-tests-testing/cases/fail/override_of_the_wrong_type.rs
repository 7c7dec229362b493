use singleton_runtime::{guarded_global, singleton};

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

fn main() {
    Settings::override_instance(3, || ());
    let _guard = region::override_guard("us");
    LIMIT.override_with(-1_i64, || ());
}
