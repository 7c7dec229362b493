//! The comparison bench lives in `compare/`; run it with
//! `cargo bench -p singleton-benches --bench compare`.
