//! Visibility, doc comments and other attributes survive the expansion.
#![deny(missing_docs)]

use singleton_runtime::singleton;

mod services {
    use singleton_runtime::singleton;

    /// The feature registry, shared by the whole process.
    #[singleton]
    #[derive(Default, Debug)]
    pub struct FeatureRegistry {
        /// Enabled feature names.
        pub enabled: Vec<String>,
    }

    /// Loaded once.
    #[singleton]
    #[must_use]
    pub(crate) fn model_names() -> Vec<&'static str> {
        vec!["resnet"]
    }
}

/// A private singleton.
#[singleton]
#[inline]
fn answer() -> u64 {
    42
}

fn main() {
    let registry: &'static services::FeatureRegistry = services::FeatureRegistry::instance();
    assert!(registry.enabled.is_empty());
    assert_eq!(services::model_names(), &["resnet"]);
    assert_eq!(*answer(), 42);
}
