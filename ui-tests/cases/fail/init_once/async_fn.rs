use singleton_runtime::init_once;

#[init_once]
async fn connect(url: String) {
    let _ = url;
}

fn main() {}
