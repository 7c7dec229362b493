use singleton_runtime::init_once;

/// A type of one's own that happens to be called `Result`.
pub enum Result<T> {
    Done(T),
    Skipped,
}

#[init_once]
fn setup() -> Result<u8> {
    Result::Done(1)
}

fn main() {
    let _ = Result::<u8>::Skipped;
    let _ = setup();
}
