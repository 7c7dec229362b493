//! Shapes of real code found by review: each test audits a small crate written to a
//! temporary directory and checks what is (and is not) reported.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use singleton_audit::{Options, Report, audit};

/// Writes `files` (path, source) under a fresh crate of `edition` and audits `under`
/// (relative to the crate; `""` for the crate itself).
fn audit_crate_at(edition: &str, files: &[(&str, &str)], under: &str, options: &Options) -> Report {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let root = std::env::temp_dir().join(format!(
        "audit-review-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        format!("[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"{edition}\"\n"),
    )
    .unwrap();
    for (path, src) in files {
        let path: PathBuf = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, src).unwrap();
    }
    let report = audit(&root.join(under), options).unwrap();
    std::fs::remove_dir_all(&root).unwrap();
    report
}

fn audit_lib(edition: &str, src: &str) -> Report {
    audit_crate_at(edition, &[("src/lib.rs", src)], "", &Options::default())
}

/// (name, kind, rule) of every finding.
fn verdicts(report: &Report) -> Vec<(String, &'static str, &'static str)> {
    report
        .findings
        .iter()
        .map(|f| (f.name.clone(), f.kind.name(), f.verdict.rule))
        .collect()
}

/// (name, function, first line, second line) of every double lock.
fn double_locks(report: &Report) -> Vec<(String, String, usize, usize)> {
    report
        .double_locks
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                d.function.clone(),
                d.first.line,
                d.second.line,
            )
        })
        .collect()
}

#[test]
fn locks_behind_type_aliases_are_locks() {
    let report = audit_lib(
        "2021",
        r"
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
type Registry = Mutex<HashMap<String, u32>>;
mod types {
    pub type Shared<T> = std::sync::RwLock<Vec<T>>;
}
static REG: LazyLock<Registry> = LazyLock::new(Default::default);
static SHARED: types::Shared<u8> = std::sync::RwLock::new(Vec::new());
fn twice() {
    let g = REG.lock().unwrap();
    REG.lock().unwrap().clear();
}
fn read_write() {
    let r = SHARED.read().unwrap();
    SHARED.write().unwrap().push(1);
}
",
    );
    assert_eq!(
        verdicts(&report),
        [
            ("REG".to_string(), "mutex", "lock-to-guarded-global"),
            ("SHARED".to_string(), "rwlock", "lock-to-guarded-global"),
        ]
    );
    assert_eq!(
        double_locks(&report),
        [
            ("REG".to_string(), "twice".to_string(), 11, 12),
            ("SHARED".to_string(), "read_write".to_string(), 15, 16),
        ]
    );
}

/// Skipping files without keywords must not change a verdict: a `store` or an
/// `is_none()` in another file of the crate is a usage fact.
#[test]
fn files_skipped_for_speed_change_no_verdict() {
    let files = [
        (
            "src/lib.rs",
            "use std::sync::atomic::{AtomicBool, Ordering::SeqCst};\n\
             mod other;\n\
             pub static RUNNING: AtomicBool = AtomicBool::new(false);\n\
             pub static mut INSTANCE: Option<Vec<u8>> = None;\n\
             pub fn start() { if RUNNING.swap(true, SeqCst) { return; } }\n",
        ),
        (
            "src/other.rs",
            "pub fn stop() { crate::RUNNING.store(false, std::sync::atomic::Ordering::SeqCst); }\n\
             pub fn instance() -> &'static Vec<u8> {\n\
                 unsafe { if INSTANCE.is_none() { INSTANCE = Some(Vec::new()); } }\n\
                 todo!()\n\
             }\n",
        ),
    ];
    let default = audit_crate_at("2021", &files, "", &Options::default());
    let all = Options {
        parse_all: true,
        ..Options::default()
    };
    let parse_all = audit_crate_at("2021", &files, "", &all);
    let expected = [
        ("RUNNING".to_string(), "atomic", "atomic"),
        ("INSTANCE".to_string(), "static-mut", "static-mut-singleton"),
    ];
    assert_eq!(verdicts(&parse_all), expected);
    assert_eq!(verdicts(&default), expected);
}

/// The edition of a directory below the crate's manifest (`cargo singleton-audit src`)
/// is the crate's, as for one file: Rust 2024 drops an `if let` scrutinee's guard
/// before `else`.
#[test]
fn a_directory_below_the_manifest_has_the_crates_edition() {
    let src = "use std::sync::Mutex;\n\
               use std::collections::HashMap;\n\
               static M: Mutex<HashMap<u8, u8>> = Mutex::new(HashMap::new());\n\
               pub fn get(k: u8) -> u8 {\n\
                   if let Some(v) = M.lock().unwrap().get(&k) {\n\
                       *v\n\
                   } else {\n\
                       M.lock().unwrap().insert(k, 0);\n\
                       0\n\
                   }\n\
               }\n";
    for (edition, expected) in [("2024", 0), ("2021", 1)] {
        for under in ["", "src", "src/lib.rs"] {
            let report =
                audit_crate_at(edition, &[("src/lib.rs", src)], under, &Options::default());
            assert_eq!(
                report.double_locks.len(),
                expected,
                "edition {edition}, auditing `{under}`"
            );
        }
    }
}

/// `cargo singleton-audit lib.rs` run inside `src/`: the file's crate is found above the
/// current directory too.
#[test]
fn a_bare_file_name_finds_its_crates_edition() {
    let root = std::env::temp_dir().join(format!("audit-review-bare-{}", std::process::id()));
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "static M: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());\n\
         pub fn f() { if let Some(x) = M.lock().unwrap().first() { } else { M.lock().unwrap().push(1); } }\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-singleton-audit"))
        .args(["lib.rs", "--brief"])
        .current_dir(root.join("src"))
        .output()
        .unwrap();
    std::fs::remove_dir_all(&root).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 double locks"), "{stdout}");
}

/// Deeply nested code (generated files: long method chains, nested parentheses) is
/// parsed and walked without overflowing a parser thread's stack, which would abort
/// the whole audit.
#[test]
fn deeply_nested_code_does_not_abort_the_audit() {
    let root = std::env::temp_dir().join(format!("audit-review-deep-{}", std::process::id()));
    std::fs::create_dir_all(root.join("src")).unwrap();
    let n = 20_000;
    let src = format!(
        "static X: u8 = {}1{};\nfn f() {{ let v = X{}; }}\nstatic mut Y: u8 = 0;\n",
        "(".repeat(n),
        ")".repeat(n),
        ".a()".repeat(n)
    );
    std::fs::write(root.join("src/lib.rs"), src).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-singleton-audit"))
        .arg(&root)
        .arg("--brief")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&root).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 globals: 1 fine, 0 to migrate, 1 risky"),
        "{stdout}"
    );
}

/// A reentrant mutex is made to be locked again by the thread that holds it: no double
/// lock (its lock order against other locks still counts).
#[test]
fn a_reentrant_mutex_locked_again_is_no_double_lock() {
    let report = audit_lib(
        "2021",
        r"
use parking_lot::ReentrantMutex;
use std::cell::RefCell;
static LOG: ReentrantMutex<RefCell<Vec<String>>> = ReentrantMutex::new(RefCell::new(Vec::new()));
static OTHER: std::sync::Mutex<u8> = std::sync::Mutex::new(0);
pub fn log(s: &str) {
    let outer = LOG.lock();
    LOG.lock().borrow_mut().push(s.to_string());
    let o = OTHER.lock().unwrap();
}
pub fn other() {
    let o = OTHER.lock().unwrap();
    OTHER.lock().unwrap();
    let l = LOG.lock();
}
",
    );
    assert_eq!(
        double_locks(&report),
        [("OTHER".to_string(), "other".to_string(), 12, 13)]
    );
    assert_eq!(report.lock_order.len(), 1);
}
