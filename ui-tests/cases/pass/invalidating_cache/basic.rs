//! The whole generated API on a plain loader.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use singleton_runtime::{CacheRef, InvalidatingCache, Subscription, invalidating_cache};

#[derive(Debug)]
struct Port(u16);

#[derive(Debug)]
struct PortError(String);

fn port_file() -> PathBuf {
    std::env::temp_dir().join(format!("ui-invalidating-cache-basic-{}", std::process::id()))
}

/// The port to listen on.
#[invalidating_cache(path = port_file(), check_interval = Duration::ZERO)]
fn port(path: &Path) -> Result<Port, PortError> {
    let text = std::fs::read_to_string(path).map_err(|e| PortError(e.to_string()))?;
    text.trim().parse().map(Port).map_err(|e| PortError(format!("{e}")))
}

fn main() {
    std::fs::write(port_file(), "8080").unwrap();
    let value: Result<CacheRef<Port>, Arc<PortError>> = port();
    assert_eq!(value.unwrap().0, 8080);

    std::fs::write(port_file(), "oops").unwrap();
    assert_eq!(port().unwrap().0, 8080);
    let error: Option<Arc<PortError>> = port::last_error();
    assert!(error.is_some());

    std::fs::write(port_file(), "9090").unwrap();
    let fresh: Result<CacheRef<Port>, Arc<PortError>> = port::reload();
    assert_eq!(fresh.unwrap().0, 9090);
    port::invalidate();
    let generation: u64 = port::generation();
    let loaded: Option<SystemTime> = port::last_loaded();
    let cache: &'static InvalidatingCache<Port, PortError> = port::cache();
    assert_eq!(generation, 2);
    assert!(loaded.is_some());
    assert_eq!(cache.check_interval(), Duration::ZERO);

    // Closure access, a value with its generation, a subscription.
    let seen: Result<u16, Arc<PortError>> = port::with(|p| p.0);
    assert_eq!(seen.unwrap(), 9090);
    let (value, generation): (CacheRef<Port>, u64) = port::get_with_generation().unwrap();
    assert_eq!((value.0, generation), (9090, 3));
    let kept: Arc<Port> = value.into_arc();
    assert_eq!(kept.0, 9090);
    let mut reloads: Subscription<'static, Port, PortError> = port::subscribe();
    assert!(reloads.try_recv().is_none());
    std::fs::remove_file(port_file()).unwrap();
}
