use singleton_runtime::singleton;

#[singleton]
async fn client() -> String {
    String::new()
}

fn main() {}
