use singleton_runtime::singleton;

#[singleton(init = async Client::connect)]
struct Client {
    url: String,
}

impl Client {
    async fn connect(url: String, _retries: u32) -> Self {
        Client { url }
    }
}

fn main() {}
