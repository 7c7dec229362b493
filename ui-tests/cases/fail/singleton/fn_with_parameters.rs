use singleton_runtime::singleton;

struct ModelRegistry;

#[singleton]
fn model_registry(model_dir: &str) -> ModelRegistry {
    let _ = model_dir;
    ModelRegistry
}

fn main() {}
