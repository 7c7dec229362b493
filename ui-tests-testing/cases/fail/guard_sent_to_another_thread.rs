use singleton_runtime::singleton;

#[singleton]
fn region() -> String {
    "eu".to_owned()
}

fn main() {
    let guard = region::override_guard("us".to_owned());
    std::thread::spawn(move || drop(guard));
}
