use singleton_runtime::singleton;

#[singleton]
fn handler() -> Box<impl Fn() -> u8 + Send + Sync> {
    Box::new(|| 1)
}

#[singleton]
fn handlers() -> Result<Vec<impl Fn() -> u8 + Send + Sync>, String> {
    Ok(vec![|| 1])
}

fn main() {}
