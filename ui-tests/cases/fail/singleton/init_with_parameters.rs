use singleton_runtime::singleton;

#[singleton(init = ModelRegistry::new)]
struct ModelRegistry {
    dir: String,
}

impl ModelRegistry {
    fn new(dir: &str) -> Self {
        ModelRegistry { dir: dir.to_owned() }
    }
}

fn main() {
    let _ = &ModelRegistry::instance().dir;
}
