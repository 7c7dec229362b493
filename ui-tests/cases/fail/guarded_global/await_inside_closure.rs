use singleton_runtime::guarded_global;

#[guarded_global]
static CONFIG: Vec<String> = Vec::new();

async fn refresh() {}

async fn handler() {
    CONFIG.write(|c| {
        c.clear();
        refresh().await;
    });
}

fn main() {
    let _ = handler();
}
