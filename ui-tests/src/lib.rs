//! trybuild cases for the `singleton` macros.
//!
//! `cases/pass/<macro>/*.rs` must compile and run; `cases/fail/<macro>/*.rs` must fail
//! with the message in the `.stderr` beside them. Regenerate goldens after a deliberate
//! change with `TRYBUILD=overwrite cargo test -p singleton-ui-tests`, then review the
//! diff like code.
