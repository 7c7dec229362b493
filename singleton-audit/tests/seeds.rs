//! The audit over a transcription of every seed pattern (`fixtures/seeds`): each one
//! found, with the right rule, replacement and level; the exact lists are asserted.

use std::path::Path;

use singleton_audit::{GuardVia, Options, Report, audit};

fn seeds() -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    audit(&root, &Options::default()).expect("fixture readable")
}

#[test]
fn every_seed_global_gets_its_verdict() {
    let report = seeds();
    let got: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f.path.to_string_lossy().replace('\\', "/"),
                f.name,
                f.verdict.rule,
                f.verdict.replacement.unwrap_or("-"),
                Report::level_of(f),
            )
        })
        .collect();
    let env = "read once into a #[singleton] config";
    let expected = format!(
        "\
src/config_cache.rs CONFIG_CACHE mtime-cache #[invalidating_cache] migrate
src/config_cache.rs SETTINGS once-cell-get-or-init #[singleton] migrate
src/config_cache.rs DATABASE_URL fallible-lazy #[singleton] fn -> Result migrate
src/config_cache.rs THREADS fallible-lazy #[singleton] fn -> Result migrate
src/deadlocks.rs SESSIONS lock-to-guarded-global #[guarded_global] migrate
src/deadlocks.rs CACHE lock-to-guarded-global #[guarded_global] migrate
src/deadlocks.rs ROUTES lock-to-guarded-global #[guarded_global] migrate
src/deadlocks.rs ACCOUNTS lock-to-guarded-global #[guarded_global] migrate
src/deadlocks.rs LEDGER lock-to-guarded-global #[guarded_global] migrate
src/deadlocks.rs AUDIT_LOG lock-to-guarded-global #[guarded_global] migrate
src/determinism.rs DETERMINISM_SET once-flag #[init_once] migrate
src/determinism.rs LOGGING once-flag #[init_once] migrate
src/features.rs AUTO_ENABLED_FEATURES lock-to-guarded-global #[guarded_global] migrate
src/model_registry.rs INSTANCE atomic-ptr-singleton #[singleton] migrate
src/model_registry.rs FACTORY static-mut-singleton #[singleton] risky
src/model_registry.rs FACTORY_ONCE once-singleton #[singleton] migrate
src/model_registry.rs TRACKER lock-option-singleton #[singleton] migrate
src/registry.rs REGISTRY static-mut-singleton #[singleton] risky
src/registry.rs LOGGED_REGISTRY_PATHS static-mut #[guarded_global] risky
src/threads.rs ENV_LOCK lock-without-data - fine
src/threads.rs set_var env-write {env} risky
src/threads.rs set_var env-write {env} risky
src/threads.rs remove_var env-write {env} risky
src/threads.rs set_var env-write {env} risky
src/threads.rs set_var env-write {env} risky
src/threads.rs remove_var env-write {env} risky"
    );
    assert_eq!(got.join("\n"), expected);
    for f in &report.findings {
        assert!(f.verdict.reason.len() > 40, "{}: reason too thin", f.name);
    }
    assert_eq!(
        report.summary(),
        "26 globals: 1 fine, 16 to migrate, 9 risky; 1 lock-order conflict, 4 double locks"
    );
    assert!(report.parse_failures.is_empty());
}

#[test]
fn double_locks_are_found_with_position_and_guard_extent() {
    let report = seeds();
    let got: Vec<_> = report
        .double_locks
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.function.as_str(),
                (d.first.line, d.first.column),
                d.guard_lines,
                (d.second.line, d.second.column),
                d.via,
                d.read_then_write,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "SESSIONS",
                "touch",
                (16, 11),
                (16, 21),
                (19, 13),
                GuardVia::MatchScrutinee,
                false
            ),
            (
                "CACHE",
                "evict_if_empty",
                (28, 26),
                (28, 32),
                (30, 13),
                GuardVia::IfLetScrutinee,
                false
            ),
            (
                "CACHE",
                "refresh",
                (37, 17),
                (37, 42),
                (40, 9),
                GuardVia::Let,
                false
            ),
            (
                "ROUTES",
                "route",
                (48, 18),
                (48, 54),
                (52, 5),
                GuardVia::Let,
                true
            ),
        ]
    );
}

#[test]
fn the_three_static_cycle_is_named_with_every_site() {
    let report = seeds();
    assert_eq!(report.lock_order.len(), 1);
    let conflict = &report.lock_order[0];
    assert_eq!(conflict.cycle, ["ACCOUNTS", "LEDGER", "AUDIT_LOG"]);
    let edges: Vec<_> = conflict
        .edges
        .iter()
        .map(|e| {
            (
                e.function.as_str(),
                e.held.as_str(),
                e.held_at.line,
                e.acquired.as_str(),
                e.acquired_at.line,
            )
        })
        .collect();
    assert_eq!(
        edges,
        [
            ("transfer", "ACCOUNTS", 61, "LEDGER", 63),
            ("close_books", "LEDGER", 67, "AUDIT_LOG", 68),
            ("audit_accounts", "AUDIT_LOG", 75, "ACCOUNTS", 76),
        ]
    );
}

#[test]
fn skipping_keywordless_files_changes_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let quick = audit(&root, &Options::default()).unwrap();
    let full = audit(
        &root,
        &Options {
            parse_all: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(quick.findings, full.findings);
    assert_eq!(quick.double_locks, full.double_locks);
    assert_eq!(quick.lock_order, full.lock_order);
    assert_eq!(full.parsed, full.files);
    assert!(quick.parsed < quick.files, "lib.rs files have no keyword");
}
