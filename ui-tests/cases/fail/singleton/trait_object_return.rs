use singleton_runtime::singleton;

#[singleton]
fn formatter() -> dyn std::fmt::Debug + Send {
    todo!()
}

fn main() {}
