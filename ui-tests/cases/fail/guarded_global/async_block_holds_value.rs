use singleton_runtime::guarded_global;

#[guarded_global]
static CONFIG: Vec<String> = Vec::new();

async fn fetch(name: &str) -> usize {
    name.len()
}

async fn handler() -> usize {
    // The future would keep `&Vec<String>` alive across `.await`, after the read ended.
    CONFIG.read(|c| async move { fetch(&c[0]).await }).await
}

fn main() {
    let _ = handler();
}
