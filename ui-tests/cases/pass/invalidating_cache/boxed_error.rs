//! `Box<dyn Error + Send + Sync>` as the loader's error: the cache's error is an
//! `Arc<BoxedError>`, which `?` converts into `Box<dyn Error>`.

use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use singleton_runtime::{BoxedError, invalidating_cache};

#[invalidating_cache(path = "/surely/not/here.toml")]
fn port(path: &Path) -> Result<u16, Box<dyn Error + Send + Sync>> {
    Ok(std::fs::read_to_string(path)?.trim().parse()?)
}

#[invalidating_cache(path = "/surely/not/here.toml")]
fn name(path: &Path) -> Result<String, Box<dyn std::error::Error + Send + Sync + 'static>> {
    Ok(std::fs::read_to_string(path)?)
}

fn doubled() -> Result<u16, Box<dyn Error>> {
    Ok(*port()? * 2)
}

fn main() {
    let error: Arc<BoxedError> = port().unwrap_err();
    assert!(error.downcast_ref::<std::io::Error>().is_some());
    assert!(doubled().is_err());
    let _: Option<Arc<BoxedError>> = name::last_error();
}
