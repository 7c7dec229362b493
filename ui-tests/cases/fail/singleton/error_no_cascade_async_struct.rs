//! One mistake, one error: `Client::instance().await` and `instance_if_ready()` still
//! type-check beside the error about `Clone`.

#![deny(warnings)]

use singleton_runtime::singleton;

#[singleton(init = async Client::connect)]
#[derive(Clone)]
struct Client;

impl Client {
    async fn connect() -> Self {
        Client
    }
}

async fn uses() -> Option<&'static Client> {
    let _client: &'static Client = Client::instance().await;
    Client::instance_if_ready()
}

fn main() {
    let _ = uses();
}
