//! Typed reads of variables that are read once, e.g. in a `#[singleton]` fn: the value
//! parsed with `FromStr`, and errors that name the variable and the bad value.

use std::error::Error;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A variable was not set (for [`var`]), was not valid UTF-8, or did not parse.
///
/// The message names the variable, the value and what was wrong with it, e.g.
/// `OMP_NUM_THREADS="twelve" is not a valid usize: invalid digit found in string`;
/// [`source`](Error::source) is the parse error.
///
/// # Examples
///
/// ```
/// use singleton_runtime::env::{self, EnvVarError};
///
/// let missing: EnvVarError = env::var::<u16>("SINGLETON_DOC_NEVER_SET").unwrap_err();
/// assert_eq!(missing.to_string(), "SINGLETON_DOC_NEVER_SET is not set");
/// assert_eq!(missing.name(), "SINGLETON_DOC_NEVER_SET");
/// assert_eq!(missing.value(), None);
/// ```
#[derive(Debug, Clone)]
pub struct EnvVarError {
    name: String,
    /// The raw value (`None`: not set).
    value: Option<OsString>,
    problem: Problem,
}

#[derive(Debug, Clone)]
enum Problem {
    NotPresent,
    NotUnicode,
    Invalid {
        /// As `std::any::type_name` spells it; shortened when displayed.
        type_name: &'static str,
        source: Arc<dyn Error + Send + Sync>,
    },
}

impl EnvVarError {
    /// The variable's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = singleton_runtime::env::var::<u8>("SINGLETON_DOC_NEVER_SET").unwrap_err();
    /// assert_eq!(err.name(), "SINGLETON_DOC_NEVER_SET");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw value that could not be used, byte for byte; `None` if the variable was
    /// not set.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = singleton_runtime::env::var::<u8>("SINGLETON_DOC_NEVER_SET").unwrap_err();
    /// assert!(err.value().is_none());
    /// ```
    pub fn value(&self) -> Option<&OsStr> {
        self.value.as_deref()
    }
}

impl fmt::Display for EnvVarError {
    #[allow(
        clippy::unnecessary_debug_formatting,
        reason = "`Debug` quotes the value and escapes quotes and bytes that are not UTF-8"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.name;
        // `Debug` of an `OsStr` quotes and escapes, also bytes that are not UTF-8.
        let value = self.value.as_deref().unwrap_or_default();
        match &self.problem {
            Problem::NotPresent => write!(f, "{name} is not set"),
            Problem::NotUnicode => write!(f, "{name}={value:?} is not valid UTF-8"),
            Problem::Invalid { type_name, source } => {
                let type_name = short_type_name(type_name);
                write!(f, "{name}={value:?} is not a valid {type_name}: {source}")
            }
        }
    }
}

impl Error for EnvVarError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.problem {
            Problem::Invalid { source, .. } => Some(&**source as &(dyn Error + 'static)),
            Problem::NotPresent | Problem::NotUnicode => None,
        }
    }
}

/// Reads the variable `name` and parses it as a `T`; an error if it is not set, not
/// UTF-8, or does not parse. The value is parsed as it is (not trimmed; an empty value
/// is parsed too, and is an error for numbers).
///
/// Reads through [`std::env::var_os`], which takes the standard library's environment
/// lock: safe, but it sees what a [`with_vars`](super::with_vars) scope on another
/// thread has set meanwhile (use [`var_os_locked`](super::var_os_locked) in such tests).
///
/// # Errors
///
/// [`EnvVarError`], naming the variable and the bad value.
///
/// # Examples
///
/// ```
/// use singleton_runtime::env;
///
/// // `PATH` is set for test runs; a variable that is not is an error that names it.
/// assert!(env::var::<String>("PATH").is_ok());
/// let err = env::var::<usize>("SINGLETON_DOC_NEVER_SET").unwrap_err();
/// assert_eq!(err.to_string(), "SINGLETON_DOC_NEVER_SET is not set");
/// ```
pub fn var<T>(name: &str) -> Result<T, EnvVarError>
where
    T: FromStr,
    T::Err: Into<Box<dyn Error + Send + Sync>>,
{
    var_opt(name)?.ok_or_else(|| EnvVarError {
        name: name.to_owned(),
        value: None,
        problem: Problem::NotPresent,
    })
}

/// Reads the variable `name` and parses it as a `T`; `default` if it is not set. A value
/// that is set but does not parse is an error, not the default: a typo such as
/// `OMP_NUM_THREADS=twelve` must not silently run with one thread.
///
/// # Errors
///
/// [`EnvVarError`] if the variable is set to something that is not UTF-8 or does not
/// parse as a `T`.
///
/// # Examples
///
/// The read-once pattern: the variable is read and checked on first use, and never
/// again; tests override the singleton, not the environment.
///
/// ```
/// use singleton_runtime::{env::{self, EnvVarError}, singleton};
///
/// /// Threads for the BLAS pool: `OMP_NUM_THREADS`, 1 if unset.
/// #[singleton]
/// fn blas_threads() -> Result<usize, EnvVarError> {
///     env::var_or("OMP_NUM_THREADS", 1)
/// }
///
/// match blas_threads() {
///     Ok(n) => assert!(*n >= 1 || std::env::var_os("OMP_NUM_THREADS").is_some()),
///     // e.g. `OMP_NUM_THREADS="twelve" is not a valid usize: invalid digit found in string`
///     Err(e) => assert_eq!(e.name(), "OMP_NUM_THREADS"),
/// }
/// ```
pub fn var_or<T>(name: &str, default: T) -> Result<T, EnvVarError>
where
    T: FromStr,
    T::Err: Into<Box<dyn Error + Send + Sync>>,
{
    Ok(var_opt(name)?.unwrap_or(default))
}

/// Reads the variable `name` and parses it as a `T`; `Ok(None)` if it is not set.
///
/// # Errors
///
/// [`EnvVarError`] if the variable is set to something that is not UTF-8 or does not
/// parse as a `T`.
///
/// # Examples
///
/// ```
/// use singleton_runtime::env;
///
/// let seed: Option<u64> = env::var_opt("SINGLETON_DOC_NEVER_SET")?;
/// assert_eq!(seed, None);
/// # Ok::<(), env::EnvVarError>(())
/// ```
pub fn var_opt<T>(name: &str) -> Result<Option<T>, EnvVarError>
where
    T: FromStr,
    T::Err: Into<Box<dyn Error + Send + Sync>>,
{
    parse(name, std::env::var_os(name))
}

/// Parses a variable's raw value (`None`: not set).
fn parse<T>(name: &str, raw: Option<OsString>) -> Result<Option<T>, EnvVarError>
where
    T: FromStr,
    T::Err: Into<Box<dyn Error + Send + Sync>>,
{
    let Some(raw) = raw else { return Ok(None) };
    let error = |value: OsString, problem| EnvVarError {
        name: name.to_owned(),
        value: Some(value),
        problem,
    };
    let Some(text) = raw.to_str() else {
        return Err(error(raw, Problem::NotUnicode));
    };
    match text.parse() {
        Ok(value) => Ok(Some(value)),
        Err(e) => Err(error(
            raw,
            Problem::Invalid {
                type_name: std::any::type_name::<T>(),
                source: Arc::from(e.into()),
            },
        )),
    }
}

/// `core::option::Option<alloc::string::String>` -> `Option<String>`: every path
/// shortened to its last segment, for messages.
fn short_type_name(full: &str) -> String {
    let mut short = String::with_capacity(full.len());
    let mut segment_start = 0;
    for (i, c) in full.char_indices() {
        if !(c.is_alphanumeric() || c == '_' || c == ':') {
            short.push_str(last_segment(&full[segment_start..i]));
            short.push(c);
            segment_start = i + c.len_utf8();
        }
    }
    short.push_str(last_segment(&full[segment_start..]));
    short
}

fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::{EnvVarError, Error, parse, short_type_name};
    use std::ffi::OsString;

    fn invalid<T>(raw: &str) -> EnvVarError
    where
        T: std::str::FromStr + std::fmt::Debug,
        T::Err: Into<Box<dyn Error + Send + Sync>>,
    {
        parse::<T>("OMP_NUM_THREADS", Some(raw.into())).unwrap_err()
    }

    #[test]
    fn parses_set_values_and_passes_unset_ones_on() {
        assert_eq!(parse::<usize>("N", Some("12".into())).unwrap(), Some(12));
        assert_eq!(parse::<usize>("N", None).unwrap(), None);
        assert_eq!(
            parse::<String>("N", Some(" a b ".into()))
                .unwrap()
                .as_deref(),
            Some(" a b ")
        );
    }

    #[test]
    fn errors_name_the_variable_the_value_and_the_type() {
        let err = invalid::<usize>("twelve");
        assert_eq!(
            err.to_string(),
            "OMP_NUM_THREADS=\"twelve\" is not a valid usize: invalid digit found in string"
        );
        assert_eq!(err.name(), "OMP_NUM_THREADS");
        assert_eq!(err.value(), Some(OsString::from("twelve").as_os_str()));
        let source = err.source().expect("the parse error is the source");
        assert_eq!(source.to_string(), "invalid digit found in string");
        assert!(source.downcast_ref::<std::num::ParseIntError>().is_some());

        assert_eq!(
            invalid::<u8>("").to_string(),
            "OMP_NUM_THREADS=\"\" is not a valid u8: cannot parse integer from empty string"
        );
        // Quotes in the value are escaped, so the message stays unambiguous.
        assert_eq!(
            invalid::<bool>("\"yes\"").to_string(),
            "OMP_NUM_THREADS=\"\\\"yes\\\"\" is not a valid bool: provided string was not `true` or `false`"
        );
        assert_eq!(
            invalid::<std::net::SocketAddr>("localhost").to_string(),
            "OMP_NUM_THREADS=\"localhost\" is not a valid SocketAddr: invalid socket address syntax"
        );
    }

    /// A `FromStr` whose error is a plain `String` (not an `Error` type) works too.
    #[test]
    fn string_errors_become_the_source() {
        #[derive(Debug)]
        struct Mode;
        impl std::str::FromStr for Mode {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Err(format!("expected `fast` or `exact`, found `{s}`"))
            }
        }
        let err = invalid::<Mode>("slow");
        assert_eq!(
            err.to_string(),
            "OMP_NUM_THREADS=\"slow\" is not a valid Mode: expected `fast` or `exact`, found `slow`"
        );
        assert!(err.source().is_some());
    }

    #[cfg(unix)]
    #[test]
    fn values_that_are_not_utf8_are_reported_as_such_byte_for_byte() {
        use std::os::unix::ffi::OsStringExt;
        let raw = OsString::from_vec(b"tw\xffelve".to_vec());
        let err = parse::<usize>("OMP_NUM_THREADS", Some(raw.clone())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "OMP_NUM_THREADS=\"tw\\xFFelve\" is not valid UTF-8"
        );
        assert_eq!(err.value(), Some(raw.as_os_str()));
        assert!(err.source().is_none());
        // Read as an `OsString`-tolerant type, it is still not UTF-8: `FromStr` takes `&str`.
        assert!(parse::<String>("OMP_NUM_THREADS", Some(raw)).is_err());
    }

    #[test]
    fn type_names_lose_their_module_paths() {
        assert_eq!(short_type_name("usize"), "usize");
        assert_eq!(short_type_name("alloc::string::String"), "String");
        assert_eq!(
            short_type_name("core::option::Option<alloc::vec::Vec<my_crate::cfg::Mode>>"),
            "Option<Vec<Mode>>"
        );
        assert_eq!(short_type_name("(u8, std::path::PathBuf)"), "(u8, PathBuf)");
    }
}
