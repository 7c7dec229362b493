//! The binary: exit codes of `--deny`, the documented JSON fields, the cargo
//! subcommand word, usage errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-singleton-audit"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn deny_exit_codes_follow_the_highest_level() {
    let seeds = fixture("seeds");
    let fine = fixture("fine");
    assert_eq!(run(&[path(&seeds)]).status.code(), Some(0));
    assert_eq!(
        run(&[path(&seeds), "--deny", "risky"]).status.code(),
        Some(1)
    );
    assert_eq!(
        run(&[path(&fine), "--deny", "migrate"]).status.code(),
        Some(0)
    );
    assert_eq!(run(&[path(&fine), "--deny", "fine"]).status.code(), Some(1));
    // Excluding the files with risky and migrate findings leaves only fine ones.
    let out = run(&[
        path(&seeds),
        "--deny=migrate",
        "--exclude",
        "src/threads.rs",
        "--exclude",
        "src/registry.rs",
        "--exclude",
        "src/model_registry.rs",
        "--exclude",
        "src/deadlocks.rs",
        "--exclude",
        "src/features.rs",
        "--exclude",
        "src/config_cache.rs",
        "--exclude",
        "src/determinism.rs",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn cargo_subcommand_form_and_table_output() {
    let out = run(&["singleton-audit", path(&fixture("seeds"))]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("RISKY (9)\n"), "{text}");
    assert!(text.contains("\nMIGRATE (16)\n"));
    assert!(text.contains("\nFINE (1)\n"));
    assert!(text.contains(
        "src/registry.rs:15:12  LOGGED_REGISTRY_PATHS: Vec<PathBuf>  [static-mut, static-mut]"
    ));
    assert!(text.contains("DOUBLE LOCKS (4)"));
    assert!(text.contains("  ACCOUNTS -> LEDGER -> AUDIT_LOG -> ACCOUNTS\n"));
    assert!(text.ends_with(
        "26 globals: 1 fine, 16 to migrate, 9 risky; 1 lock-order conflict, 4 double locks\n"
    ));
}

#[test]
fn brief_table_has_one_line_a_finding() {
    let out = run(&[path(&fixture("seeds")), "--brief"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("-> #["), "{text}");
    assert!(
        text.contains("  src/threads.rs:9:8  ENV_LOCK: Mutex<()>  [mutex, lock-without-data]\n")
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("  src/")).count(),
        26 + 4
    );
}

#[test]
fn json_has_the_documented_fields() {
    let out = run(&[path(&fixture("seeds")), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["tool"], "singleton-audit");
    let summary = &doc["summary"];
    for key in [
        "files",
        "parsed_files",
        "lines",
        "globals",
        "fine",
        "migrate",
        "risky",
        "double_locks",
        "lock_order_conflicts",
        "parse_failures",
    ] {
        assert!(summary[key].is_u64(), "summary.{key}");
    }
    assert_eq!(summary["globals"], 26);
    assert_eq!(summary["max_level"], "risky");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 26);
    let registry = findings
        .iter()
        .find(|f| f["name"] == "LOGGED_REGISTRY_PATHS")
        .unwrap();
    assert_eq!(registry["path"], "src/registry.rs");
    assert_eq!(
        (registry["line"].as_u64(), registry["column"].as_u64()),
        (Some(15), Some(12))
    );
    assert_eq!(registry["type"], "Vec<PathBuf>");
    assert_eq!(registry["kind"], "static-mut");
    assert_eq!(registry["level"], "risky");
    assert_eq!(registry["rule"], "static-mut");
    assert_eq!(registry["replacement"], "#[guarded_global]");
    assert!(registry["reason"].as_str().unwrap().contains("data race"));
    assert!(registry["allowed"].is_null());
    let double = &doc["double_locks"][0];
    assert_eq!(double["name"], "SESSIONS");
    assert_eq!(double["via"], "match-scrutinee");
    assert_eq!(double["guard_lines"], serde_json::json!([16, 21]));
    assert_eq!(double["second"]["line"], 19);
    let cycle = &doc["lock_order_conflicts"][0];
    assert_eq!(
        cycle["cycle"],
        serde_json::json!(["ACCOUNTS", "LEDGER", "AUDIT_LOG"])
    );
    assert_eq!(cycle["edges"][0]["acquired_at"]["line"], 63);
    assert!(doc["parse_failures"].as_array().unwrap().is_empty());
}

#[test]
fn unparsable_files_are_reported_not_fatal() {
    let dir = std::env::temp_dir().join(format!("singleton-audit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.rs"), "static X: u8 = ;\n").unwrap();
    std::fs::write(dir.join("ok.rs"), "static mut Y: u8 = 0;\n").unwrap();
    let out = run(&[path(&dir), "--json"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["parse_failures"][0]["path"], "broken.rs");
    assert_eq!(doc["parse_failures"][0]["line"], 1);
    assert_eq!(doc["findings"][0]["name"], "Y");
}

#[test]
fn one_file_can_be_audited() {
    let file = fixture("seeds").join("src/registry.rs");
    let out = run(&[path(&file), "--brief"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  registry.rs:15:12  LOGGED_REGISTRY_PATHS: Vec<PathBuf>"),
        "{text}"
    );
    assert!(text.ends_with(
        "2 globals: 0 fine, 0 to migrate, 2 risky; 0 lock-order conflicts, 0 double locks\n"
    ));
}

#[test]
fn one_file_takes_its_edition_from_the_crate_manifest() {
    let src = "static M: Mutex<Vec<u8>> = Mutex::new(Vec::new());\n\
               fn f() {\n\
                   if let Some(x) = M.lock().unwrap().first() {\n\
                   } else {\n\
                       M.lock().unwrap().push(1);\n\
                   }\n\
               }\n";
    let mut double_locks = Vec::new();
    for edition in ["2021", "2024"] {
        let dir = std::env::temp_dir().join(format!(
            "singleton-audit-edition-{edition}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"x\"\nedition = \"{edition}\"\n"),
        )
        .unwrap();
        std::fs::write(dir.join("src/lib.rs"), src).unwrap();
        let out = run(&[path(&dir.join("src/lib.rs")), "--json"]);
        std::fs::remove_dir_all(&dir).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        double_locks.push(doc["summary"]["double_locks"].as_u64());
    }
    // Before 2024 the `if let` scrutinee's guard is still alive in the `else` block.
    assert_eq!(double_locks, [Some(1), Some(0)]);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let out = run(&["--deny", "severe"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: unknown level `severe`: expected `fine`, `migrate` or `risky`")
    );
    assert!(err.contains("Usage: cargo singleton-audit"));
    assert_eq!(run(&["/no/such/dir"]).status.code(), Some(2));
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(
        String::from_utf8(help.stdout)
            .unwrap()
            .contains("--deny <LEVEL>")
    );
}
