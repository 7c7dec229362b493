//! Behavioural, stress and fault tests of `singleton-runtime` and its macros.
//!
//! The tests themselves live in `tests/tests/`, one file per macro; this library is
//! empty so that the package has a target of its own.

/// The repository README's examples, run as doctests (`cargo test --workspace`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct RepositoryReadme;

/// The registry README's example, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../singleton-runtime/README.md")]
pub struct RuntimeReadme;
