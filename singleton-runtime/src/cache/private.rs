//! What `#[invalidating_cache]`'s expansion names, through
//! `::singleton_runtime::__private`.

use std::path::{Path, PathBuf};
#[cfg(not(singleton_loom))]
use std::time::Duration;

#[cfg(not(singleton_loom))]
use super::Loader;
pub use super::{BoxedError, CacheRef, InvalidatingCache, LoadContext, Subscription};
#[cfg(not(singleton_loom))]
use crate::__private::Verdict;

/// Where a `#[invalidating_cache]` fn's cache is: implemented, at the fn's level, for a
/// marker in the module generated beside the fn, so that the module names the value
/// and error types without re-resolving the user's tokens (types local to a fn body
/// are not visible from a module declared there).
pub trait FnCache {
    /// The cached type.
    type Value: 'static;
    /// The loader's error type.
    type Error: 'static;
    /// The `static` cache.
    fn cache() -> &'static InvalidatingCache<Self::Value, Self::Error>;
}

/// The cache behind a `#[invalidating_cache]` fn: `interval` is the
/// `check_interval = ...` expression, or `None` for the default. (Generated code
/// is never compiled under loom, so there is no loom build of it.) `name` is the
/// loader fn's name, for messages. `types` is the (never called) closure that checks
/// `T` and `E` for `Send + Sync` (`value_check`), whose output type is the verdict: a
/// cache of types that are not is never built (a reported verdict panics first).
#[cfg(not(singleton_loom))]
pub const fn new_cache_checked<T, E, V: Verdict<(T, E)>, C: FnOnce() -> V>(
    name: &'static str,
    path: fn() -> PathBuf,
    load: fn(&Path) -> Result<T, E>,
    interval: Option<fn() -> Duration>,
    watch: Option<fn()>,
    types: &C,
) -> InvalidatingCache<T, E> {
    crate::singleton::unreported(types);
    let cache = InvalidatingCache::with_loader(path, Loader::Path(load));
    configure(cache, name, interval, watch)
}

/// [`new_cache_checked`] for a loader that reads several files through a [`LoadContext`].
#[cfg(not(singleton_loom))]
pub const fn new_context_cache_checked<T, E, V: Verdict<(T, E)>, C: FnOnce() -> V>(
    name: &'static str,
    path: fn() -> PathBuf,
    load: fn(&mut LoadContext) -> Result<T, E>,
    interval: Option<fn() -> Duration>,
    watch: Option<fn()>,
    types: &C,
) -> InvalidatingCache<T, E> {
    crate::singleton::unreported(types);
    let cache = InvalidatingCache::with_loader(path, Loader::Context(load));
    configure(cache, name, interval, watch)
}

#[cfg(not(singleton_loom))]
const fn configure<T, E>(
    cache: InvalidatingCache<T, E>,
    name: &'static str,
    interval: Option<fn() -> Duration>,
    watch: Option<fn()>,
) -> InvalidatingCache<T, E> {
    let mut cache = cache.named(name);
    cache.watch = watch;
    match interval {
        Some(interval) => cache.with_check_interval_fn(interval),
        None => cache,
    }
}

/// `watch = true`: starts the watcher of `cache` (on its first check).
#[cfg(all(feature = "watch", not(singleton_loom)))]
pub fn watch<T: Send + Sync + 'static, E: Send + Sync + 'static>(
    cache: &'static InvalidatingCache<T, E>,
) {
    // A watch that cannot start leaves the check interval in charge; `cache().watch()`
    // tells why.
    let _ = cache.watch();
}

/// `watch = true` without the `watch` feature: [`watch_feature`] reports it once;
/// this stand-in keeps it the only error.
#[cfg(not(all(feature = "watch", not(singleton_loom))))]
pub fn watch<T, E>(_cache: &'static InvalidatingCache<T, E>) {}

/// The `watch` feature, as a type: [`WatchEnabled`] is implemented for it only when
/// the feature is on.
pub enum WatchFeature {}

/// Implemented for [`WatchFeature`] only with the `watch` feature.
#[diagnostic::on_unimplemented(
    message = "`#[invalidating_cache(watch = true)]` needs the `watch` feature of `singleton-runtime`",
    label = "`watch = true` here",
    note = "in Cargo.toml: `singleton-runtime = {{ version = \"...\", features = [\"watch\"] }}`"
)]
pub trait WatchEnabled {}

#[cfg(all(feature = "watch", not(singleton_loom)))]
impl WatchEnabled for WatchFeature {}

/// Checks, at the `watch = true` of a cache, that the feature is on.
pub const fn watch_feature<F: WatchEnabled>() {}

/// Names the error type of a loader declared with a `Result` alias such as
/// `io::Result<T>`, which the macro cannot see through.
#[diagnostic::on_unimplemented(
    message = "an `#[invalidating_cache]` loader must return `Result<T, E>`, not `{Self}`",
    label = "not a `Result<T, E>`"
)]
pub trait LoaderResult {
    /// `T`.
    type Value;
    /// `E`.
    type Error;
}

impl<T, E> LoaderResult for Result<T, E> {
    type Value = T;
    type Error = E;
}

/// The `path = ...` expression, as an owned path.
pub fn path_buf<P: AsRef<Path>>(path: P) -> PathBuf {
    path.as_ref().to_path_buf()
}
