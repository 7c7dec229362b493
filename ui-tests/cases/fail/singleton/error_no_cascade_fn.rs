//! One mistake, one error: `model_registry` still returns `&'static ModelRegistry` and
//! its module is still there beside the error about the parameter, so calls written
//! for either add no errors of their own (nor does the body's `load`, used only there).

#![deny(warnings)]

use singleton_runtime::singleton;

struct ModelRegistry {
    models: Vec<String>,
}

impl ModelRegistry {
    fn load(dir: &str) -> Self {
        ModelRegistry {
            models: vec![dir.to_owned()],
        }
    }
}

#[singleton]
fn model_registry(model_dir: &str) -> ModelRegistry {
    ModelRegistry::load(model_dir)
}

fn main() {
    let registry: &'static ModelRegistry = model_registry("models");
    assert_eq!(registry.models.len(), 1);
    assert!(model_registry::get().is_some());
}
