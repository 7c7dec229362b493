//! Behavioural, stress and fault tests of `singleton-runtime` and its macros.
//!
//! The tests themselves live in `tests/tests/`, one file per macro; this library is
//! empty so that the package has a target of its own.
