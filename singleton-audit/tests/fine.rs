//! Precision: globals that are fine as they are (`fixtures/fine`) are reported fine,
//! each with the right rule, and correct lock use is no double lock or order conflict.

use std::path::Path;

use singleton_audit::{Level, Options, Report, audit};

#[test]
fn fine_globals_are_fine_with_the_right_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fine");
    let report = audit(&root, &Options::default()).unwrap();
    let got: Vec<(String, &str, Level, bool)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                f.verdict.rule,
                Report::level_of(f),
                f.allowed.is_some(),
            )
        })
        .collect();
    let expected = [
        ("model_names", "annotated", false),
        ("Registry", "annotated", false),
        ("FEATURES", "annotated", false),
        ("set_global_determinism", "annotated", false),
        ("config", "annotated", false),
        ("SERIAL", "lock-without-data", false),
        ("TABLE", "lock-to-guarded-global", true),
        ("FIRST", "lock-without-data", false),
        ("SECOND", "lock-without-data", false),
        ("NAMES", "immutable", false),
        ("GREETING", "immutable", false),
        ("LIMITS", "immutable", false),
        ("REQUESTS", "atomic", false),
        ("BYTES", "atomic", false),
        ("PORTS", "immutable-lazy", false),
        ("START_ARGS", "once-cell-set-once", false),
        ("DEPTH", "thread-local", false),
        ("SCRATCH", "thread-local", false),
        ("REQUEST_ID", "task-local", false),
        ("READY", "condvar", false),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(n, r, a)| ((*n).to_string(), *r, Level::Fine, *a))
        .collect();
    assert_eq!(got, expected);
    let table = report.findings.iter().find(|f| f.name == "TABLE").unwrap();
    assert_eq!(
        table.allowed.as_deref(),
        Some("read-mostly table loaded at start; migrating is tracked elsewhere")
    );
    assert!(report.double_locks.is_empty(), "{:?}", report.double_locks);
    assert!(report.lock_order.is_empty(), "{:?}", report.lock_order);
    assert_eq!(report.max_level(), Some(Level::Fine));
}
