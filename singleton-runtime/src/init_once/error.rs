//! What a call of an `#[init_once]` fn returns when it does not run the body.

use std::fmt;
use std::panic::Location;

/// A second call to an `#[init_once]` fn (or [`InitOnce`](super::InitOnce)): it names the fn and the
/// source location of the call that ran it (or, while that call is still running on
/// another thread, of the running call: see [`in_progress`](Self::in_progress)).
///
/// # Examples
///
/// ```
/// use singleton_runtime::{init_once, AlreadyInitialized};
///
/// #[init_once]
/// fn set_global_determinism(seed: u64) -> u64 {
///     seed
/// }
///
/// assert_eq!(set_global_determinism(42), Ok(42));
/// let err: AlreadyInitialized = set_global_determinism(7).unwrap_err();
/// assert_eq!(err.name(), "set_global_determinism");
/// assert_eq!(err.first_call().file(), file!());
/// println!("{err}");
/// // `set_global_determinism` was already initialised by the call at src/main.rs:10:12; it runs once per process
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlreadyInitialized {
    pub(super) name: &'static str,
    pub(super) first_call: &'static Location<'static>,
    pub(super) in_progress: bool,
}

impl AlreadyInitialized {
    /// The name of the fn (or [`InitOnce`](super::InitOnce)) that was called again.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where the call that ran the body was made.
    pub fn first_call(&self) -> &'static Location<'static> {
        self.first_call
    }

    /// Whether that call was still running (on another thread) when this one arrived.
    /// If it then panics, the guard is left uninitialised and a later call runs.
    pub fn in_progress(&self) -> bool {
        self.in_progress
    }
}

impl fmt::Display for AlreadyInitialized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.in_progress {
            write!(
                f,
                "`{}` is being initialised by the call at {}, still running on another \
                 thread; it runs once per process",
                self.name, self.first_call
            )
        } else {
            write!(
                f,
                "`{}` was already initialised by the call at {}; it runs once per process",
                self.name, self.first_call
            )
        }
    }
}

impl std::error::Error for AlreadyInitialized {}

/// What a call of a fallible `#[init_once]` body returns when it did not succeed: the
/// body's own error (the guard stays uninitialised, so a later call runs the body
/// again), or [`AlreadyInitialized`]. One layer, so `?` propagates either.
///
/// `Failed` is transparent: its `Display` and `source()` are the body error's own.
///
/// # Examples
///
/// ```
/// use singleton_runtime::{InitOnce, InitOnceError};
/// use std::error::Error as _;
///
/// static SETUP: InitOnce = InitOnce::new("setup");
///
/// let err = SETUP
///     .call_fallible(std::panic::Location::caller(), || "x".parse::<u8>())
///     .unwrap_err();
/// assert_eq!(err.to_string(), "invalid digit found in string");
/// assert!(err.source().is_none());
/// assert!(matches!(err, InitOnceError::Failed(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitOnceError<E> {
    /// The body ran and returned this error; it did not count as the one run.
    Failed(E),
    /// A call has already succeeded: the body did not run.
    AlreadyInitialized(AlreadyInitialized),
}

impl<E> InitOnceError<E> {
    /// The body's error, or [`AlreadyInitialized`] converted into `E`: for `?` into a
    /// fn whose error type is `E` itself, when `E` can hold an `AlreadyInitialized`
    /// (`Box<dyn Error>`, `anyhow::Error`, an enum with a `From` for it). `?` on the
    /// `InitOnceError` itself needs `From<InitOnceError<E>>`, which std's
    /// `Box<dyn Error>` cannot have (coherence forbids the impl), so this is the way
    /// there. `io::Error` has that `From`: plain `?` works for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::{init_once, InitOnceError};
    /// use std::error::Error;
    ///
    /// #[init_once]
    /// fn load_plugins(dir: &str) -> Result<usize, Box<dyn Error>> {
    ///     if dir.is_empty() {
    ///         return Err("no plugin directory".into());
    ///     }
    ///     Ok(3)
    /// }
    ///
    /// fn start(dir: &str) -> Result<usize, Box<dyn Error>> {
    ///     let plugins = load_plugins(dir).map_err(InitOnceError::into_error)?;
    ///     Ok(plugins)
    /// }
    ///
    /// assert_eq!(start("").unwrap_err().to_string(), "no plugin directory");
    /// assert_eq!(start("plugins").unwrap(), 3);
    /// assert!(start("plugins").unwrap_err().to_string().contains("already initialised"));
    /// ```
    pub fn into_error(self) -> E
    where
        E: From<AlreadyInitialized>,
    {
        match self {
            InitOnceError::Failed(error) => error,
            InitOnceError::AlreadyInitialized(already) => already.into(),
        }
    }
}

impl InitOnceError<std::convert::Infallible> {
    /// For bodies that cannot fail.
    pub(super) fn into_already(self) -> AlreadyInitialized {
        match self {
            InitOnceError::Failed(never) => match never {},
            InitOnceError::AlreadyInitialized(already) => already,
        }
    }
}

impl<E: fmt::Display> fmt::Display for InitOnceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitOnceError::Failed(error) => error.fmt(f),
            InitOnceError::AlreadyInitialized(already) => already.fmt(f),
        }
    }
}

impl<E: std::error::Error> std::error::Error for InitOnceError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitOnceError::Failed(error) => error.source(),
            InitOnceError::AlreadyInitialized(_) => None,
        }
    }
}

impl<E> From<AlreadyInitialized> for InitOnceError<E> {
    fn from(already: AlreadyInitialized) -> Self {
        InitOnceError::AlreadyInitialized(already)
    }
}

/// `?` on an `io::Result` of an `#[init_once]` fn in a fn returning `io::Result`: the
/// body's `io::Error` as it was (its `kind()` kept), or [`AlreadyInitialized`] as an
/// `io::Error` of kind `Other`.
impl From<InitOnceError<std::io::Error>> for std::io::Error {
    fn from(error: InitOnceError<std::io::Error>) -> Self {
        error.into_error()
    }
}

/// [`AlreadyInitialized`] as an `io::Error` of kind `Other` (the original is its
/// `get_ref()`), so that `?` on an `#[init_once]` fn works in a fn returning `io::Result`.
impl From<AlreadyInitialized> for std::io::Error {
    fn from(already: AlreadyInitialized) -> Self {
        std::io::Error::other(already)
    }
}
