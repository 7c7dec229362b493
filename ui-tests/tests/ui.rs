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
}
