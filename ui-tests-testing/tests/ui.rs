//! The `testing` feature's API, with the feature on: what must compile, and misuse that
//! must fail with a clear message. (`ui-tests` has the case without the feature.)

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("cases/pass/*.rs");
    t.compile_fail("cases/fail/*.rs");
}
