//! Argument expressions of every shape, `io::Result` aliases, types named through
//! `self::`/`super::`/`crate::`, and a `pub` cache used (and imported) from elsewhere.

use std::path::Path;
use std::time::Duration;

use singleton_runtime::invalidating_cache;

const INTERVAL: Duration = Duration::from_millis(250);

pub struct Shared(pub String);

pub mod config {
    use std::path::Path;

    use singleton_runtime::invalidating_cache;

    pub struct Local(pub usize);

    #[invalidating_cache(path = "/definitely/missing/app.toml", check_interval = super::INTERVAL)]
    pub fn local(path: &Path) -> Result<self::Local, super::Shared> {
        Err(super::Shared(path.display().to_string()))
    }

    #[invalidating_cache(path = String::from("/etc/hostname"))]
    pub(crate) fn shared(path: &Path) -> std::io::Result<crate::Shared> {
        std::fs::read_to_string(path).map(crate::Shared)
    }
}

#[invalidating_cache(path = std::env::temp_dir().join("ui-missing-dir").join("x.toml"), check_interval = Duration::from_secs(2))]
#[allow(clippy::unnecessary_wraps)]
fn with_alias(_: &Path) -> std::io::Result<Vec<u8>> {
    Ok(vec![1, 2, 3])
}

fn main() {
    use config::local::reload;
    let error = config::local().err().unwrap();
    assert_eq!(error.0, "/definitely/missing/app.toml");
    assert!(reload().is_err());
    assert_eq!(config::local::cache().check_interval(), INTERVAL);
    let _: Result<singleton_runtime::CacheRef<Shared>, std::sync::Arc<std::io::Error>> = config::shared();
    assert_eq!(*with_alias().unwrap(), vec![1, 2, 3]);
}
