//! [`BoxedError`]: `Box<dyn Error + Send + Sync>` as a cache's error type.

use std::error::Error;
use std::fmt;
use std::ops::Deref;

/// The error of a cache whose loader returns `Box<dyn Error + Send + Sync>`
/// (`#[invalidating_cache]` uses it for that error type): the box, with `Error`
/// implemented, so that the `Arc<BoxedError>` a cache hands out is an error too and
/// `?` converts it into `Box<dyn Error>` or `anyhow::Error` (std implements `Error` for
/// `Box<E>` only for a sized `E`, so `Arc<Box<dyn Error + Send + Sync>>` is not one).
/// Displays as the boxed error, and derefs to it for `downcast_ref`.
///
/// # Examples
///
/// ```
/// use std::error::Error;
/// use std::path::Path;
/// use singleton_runtime::invalidating_cache;
///
/// #[invalidating_cache(path = "/surely/not/here.toml")]
/// fn port(path: &Path) -> Result<u16, Box<dyn Error + Send + Sync>> {
///     Ok(std::fs::read_to_string(path)?.trim().parse()?)
/// }
///
/// fn main() {
///     fn use_it() -> Result<u16, Box<dyn Error>> {
///         Ok(*port()?) // `?` works: `Arc<BoxedError>` is an `Error`
///     }
///     let error = port().unwrap_err();
///     let io = error.downcast_ref::<std::io::Error>().expect("the loader's io::Error");
///     assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
///     assert!(use_it().is_err());
/// }
/// ```
pub struct BoxedError(Box<dyn Error + Send + Sync>);

impl BoxedError {
    /// The boxed error.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::BoxedError;
    ///
    /// let error = BoxedError::from(Box::<dyn std::error::Error + Send + Sync>::from("bad"));
    /// assert_eq!(error.into_inner().to_string(), "bad");
    /// ```
    #[must_use]
    pub fn into_inner(self) -> Box<dyn Error + Send + Sync> {
        self.0
    }
}

impl From<Box<dyn Error + Send + Sync>> for BoxedError {
    fn from(error: Box<dyn Error + Send + Sync>) -> Self {
        Self(error)
    }
}

impl Deref for BoxedError {
    type Target = dyn Error + Send + Sync;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl fmt::Debug for BoxedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for BoxedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Error for BoxedError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}
