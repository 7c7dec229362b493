//! The audit over a transcription of every seed pattern (`fixtures/seeds`): each one
//! found, with the right rule, replacement and level; the exact lists are asserted.

use std::path::Path;

use singleton_audit::{GuardVia, Level, Options, Report, audit};

fn seeds() -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds");
    audit(&root, &Options::default()).expect("fixture readable")
}

#[test]
fn every_seed_global_gets_its_verdict() {
    let report = seeds();
    let got: Vec<(String, String, &str, Option<&str>, Level)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.path.to_string_lossy().replace('\\', "/"),
                f.name.clone(),
                f.verdict.rule,
                f.verdict.replacement,
                Report::level_of(f),
            )
        })
        .collect();
    let guarded = Some("#[guarded_global]");
    let singleton = Some("#[singleton]");
    let env = Some("read once into a #[singleton] config");
    let expected: Vec<(&str, &str, &str, Option<&str>, Level)> = vec![
        (
            "src/config_cache.rs",
            "CONFIG_CACHE",
            "mtime-cache",
            Some("#[invalidating_cache]"),
            Level::Migrate,
        ),
        (
            "src/config_cache.rs",
            "SETTINGS",
            "once-cell-get-or-init",
            singleton,
            Level::Migrate,
        ),
        (
            "src/config_cache.rs",
            "DATABASE_URL",
            "fallible-lazy",
            Some("#[singleton] fn -> Result"),
            Level::Migrate,
        ),
        (
            "src/config_cache.rs",
            "THREADS",
            "fallible-lazy",
            Some("#[singleton] fn -> Result"),
            Level::Migrate,
        ),
        (
            "src/deadlocks.rs",
            "SESSIONS",
            "lock-to-guarded-global",
            guarded,
            Level::Migrate,
        ),
        (
            "src/deadlocks.rs",
            "CACHE",
            "lock-to-guarded-global",
            guarded,
            Level::Migrate,
        ),
        (
            "src/deadlocks.rs",
            "ROUTES",
            "lock-to-guarded-global",
            guarded,
            Level::Migrate,
        ),
        (
            "src/deadlocks.rs",
            "ACCOUNTS",
            "lock-to-guarded-global",
            guarded,
            Level::Migrate,
        ),
        (
            "src/deadlocks.rs",
            "LEDGER",
            "lock-to-guarded-global",
            guarded,
            Level::Migrate,
        ),
        (
            "src/deadlocks.rs",
            "AUDIT_LOG",
            "lock-to-guarded-global",
            guarded,
            Level::Migrate,
        ),
        (
            "src/determinism.rs",
            "DETERMINISM_SET",
            "once-flag",
            Some("#[init_once]"),
            Level::Migrate,
        ),
        (
            "src/determinism.rs",
            "LOGGING",
            "once-flag",
            Some("#[init_once]"),
            Level::Migrate,
        ),
        (
            "src/features.rs",
            "AUTO_ENABLED_FEATURES",
            "lock-to-guarded-global",
            guarded,
            Level::Migrate,
        ),
        (
            "src/model_registry.rs",
            "INSTANCE",
            "atomic-ptr-singleton",
            singleton,
            Level::Migrate,
        ),
        (
            "src/model_registry.rs",
            "FACTORY",
            "static-mut-singleton",
            singleton,
            Level::Risky,
        ),
        (
            "src/model_registry.rs",
            "FACTORY_ONCE",
            "once-singleton",
            singleton,
            Level::Migrate,
        ),
        (
            "src/model_registry.rs",
            "TRACKER",
            "lock-option-singleton",
            singleton,
            Level::Migrate,
        ),
        (
            "src/registry.rs",
            "REGISTRY",
            "static-mut-singleton",
            singleton,
            Level::Risky,
        ),
        (
            "src/registry.rs",
            "LOGGED_REGISTRY_PATHS",
            "static-mut",
            guarded,
            Level::Risky,
        ),
        (
            "src/threads.rs",
            "ENV_LOCK",
            "lock-without-data",
            None,
            Level::Fine,
        ),
        ("src/threads.rs", "set_var", "env-write", env, Level::Risky),
        ("src/threads.rs", "set_var", "env-write", env, Level::Risky),
        (
            "src/threads.rs",
            "remove_var",
            "env-write",
            env,
            Level::Risky,
        ),
        ("src/threads.rs", "set_var", "env-write", env, Level::Risky),
        ("src/threads.rs", "set_var", "env-write", env, Level::Risky),
        (
            "src/threads.rs",
            "remove_var",
            "env-write",
            env,
            Level::Risky,
        ),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(p, n, r, rep, l)| (p.to_string(), n.to_string(), r, rep, l))
        .collect();
    assert_eq!(got, expected);
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
