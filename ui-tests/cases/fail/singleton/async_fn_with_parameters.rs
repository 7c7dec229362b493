use singleton_runtime::singleton;

#[singleton]
async fn client(base_url: &'static str) -> String {
    base_url.to_owned()
}

fn main() {}
