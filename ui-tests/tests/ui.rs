//! Runs every trybuild case, globbed by folder: one folder per macro.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for name in [
        "singleton",
        "init_once",
        "guarded_global",
        "invalidating_cache",
    ] {
        t.pass(format!("cases/pass/{name}/*.rs"));
        t.compile_fail(format!("cases/fail/{name}/*.rs"));
    }
    // Without the runtime's `testing` feature (this package does not enable it); the
    // cases with it are in `ui-tests-testing`.
    t.compile_fail("cases/fail/testing/*.rs");
}
