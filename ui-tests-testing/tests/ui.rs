//! The `testing` feature's API, with the feature on: what must compile, and misuse that
//! must fail with a clear message. (`ui-tests` has the case without the feature.)

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("cases/pass/*.rs");
    // The same file `ui-tests` builds without the feature: no warning either way.
    t.pass("../ui-tests/cases/pass/singleton/no_warnings_from_test_tools.rs");
    t.compile_fail("cases/fail/*.rs");
}
