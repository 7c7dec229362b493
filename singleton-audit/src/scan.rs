//! Finds the `.rs` files under a root (skipping hidden directories, build output and
//! `--exclude`d paths), and reads and parses them on every core. A file that does not
//! parse (or is not UTF-8) is a [`ParseFailure`], never an error of the scan.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::inventory::{FileInventory, inventory};
use crate::locks::guards::{GuardFacts, guard_facts};
use crate::model::{ParseFailure, Pos};
use crate::suppress::allowed;

/// One `.rs` file to read, with the package it belongs to.
#[derive(Clone, Debug)]
pub(crate) struct SourceFile {
    pub(crate) abs: PathBuf,
    pub(crate) rel: PathBuf,
    /// The directory of the nearest `Cargo.toml` (`/` when there is none): the crate whose
    /// files share usage facts.
    pub(crate) package: PathBuf,
    pub(crate) edition_2024: bool,
}

/// What one parsed file yields.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    pub(crate) inventory: FileInventory,
    /// Suppression reason per global, in `inventory.globals` order.
    pub(crate) allowed: Vec<Option<String>>,
    pub(crate) guards: GuardFacts,
    /// Suppression reason per reacquire, in `guards.reacquires` order.
    pub(crate) reacquire_allowed: Vec<Option<String>>,
}

/// The result for one file.
#[derive(Debug)]
pub(crate) struct Scanned {
    pub(crate) file: SourceFile,
    pub(crate) lines: usize,
    /// `Ok(None)`: not parsed, no keyword in it (see [`KEYWORDS`]).
    pub(crate) outcome: Result<Option<FileFacts>, ParseFailure>,
}

/// The `.rs` files under `root`, sorted by path.
pub(crate) fn find_files(root: &Path, excludes: &[PathBuf]) -> io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    let mut packages = PackageCache::default();
    if root.is_file() {
        // `lib.rs` alone has the parent `""`: the current directory.
        let dir = root
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // One file: its crate's manifest may be any number of levels up.
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let (package, edition_2024) = packages.of(&dir);
        files.push(SourceFile {
            abs: root.to_path_buf(),
            rel: PathBuf::from(root.file_name().unwrap_or_default()),
            package,
            edition_2024,
        });
        return Ok(files);
    }
    let excludes: Vec<PathBuf> = excludes
        .iter()
        .map(|e| {
            if e.is_absolute() {
                e.clone()
            } else {
                root.join(e)
            }
        })
        .map(|e| e.canonicalize().unwrap_or(e))
        .collect();
    let canonical_root = root.canonicalize()?;
    walk(
        &canonical_root,
        &canonical_root,
        &excludes,
        &mut packages,
        &mut files,
    )?;
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(files)
}

fn walk(
    root: &Path,
    dir: &Path,
    excludes: &[PathBuf],
    packages: &mut PackageCache,
    out: &mut Vec<SourceFile>,
) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.filter_map(Result::ok).collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || excludes.iter().any(|e| path.starts_with(e)) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name == "target" && is_build_dir(&path) {
                continue;
            }
            walk(root, &path, excludes, packages, out)?;
        } else if kind.is_file() && name.ends_with(".rs") {
            // The crate's manifest may be above the audited directory (`src/`).
            let (package, edition_2024) = packages.of(dir);
            out.push(SourceFile {
                rel: path.strip_prefix(root).unwrap_or(&path).to_path_buf(),
                abs: path,
                package,
                edition_2024,
            });
        }
    }
    Ok(())
}

/// `target/` as cargo leaves it (not a source directory that happens to be so named).
fn is_build_dir(path: &Path) -> bool {
    ["CACHEDIR.TAG", ".rustc_info.json", "debug", "release"]
        .iter()
        .any(|n| path.join(n).exists())
        || path.parent().is_some_and(|p| p.join("Cargo.toml").exists())
}

/// Package root and edition per directory, read once.
#[derive(Default)]
struct PackageCache(HashMap<PathBuf, (PathBuf, bool)>);

impl PackageCache {
    /// The nearest manifest at or above `dir` (also above the audited directory), or
    /// the topmost directory when there is none.
    fn of(&mut self, dir: &Path) -> (PathBuf, bool) {
        if let Some(hit) = self.0.get(dir) {
            return hit.clone();
        }
        let found = match fs::read_to_string(dir.join("Cargo.toml")) {
            Ok(manifest) => {
                let edition_2024 = if manifest.contains("edition.workspace")
                    || manifest.contains("edition = { workspace")
                {
                    workspace_edition_2024(dir)
                } else {
                    declares_2024(&manifest)
                };
                (dir.to_path_buf(), edition_2024)
            }
            Err(_) => match dir.parent() {
                Some(parent) => self.of(parent),
                None => (dir.to_path_buf(), false),
            },
        };
        self.0.insert(dir.to_path_buf(), found.clone());
        found
    }
}

fn declares_2024(manifest: &str) -> bool {
    manifest.lines().any(|l| {
        let l = l.trim();
        l.starts_with("edition") && l.contains("\"2024\"")
    })
}

fn workspace_edition_2024(dir: &Path) -> bool {
    dir.ancestors().skip(1).any(|d| {
        fs::read_to_string(d.join("Cargo.toml"))
            .is_ok_and(|m| m.contains("[workspace") && declares_2024(&m))
    })
}

/// Stack of a parser thread. Parsing, walking and dropping a syntax tree recurse once
/// per nesting level, and generated code nests deeply (a 20,000-call method chain
/// overflows the default 2 MiB): a stack overflow aborts the process, so the whole
/// audit. Only touched pages are backed by memory.
const PARSER_STACK: usize = 512 << 20;

/// Reads and parses `files` on `threads` threads; results in `files` order.
pub(crate) fn scan(files: &[SourceFile], threads: usize, parse_all: bool) -> Vec<Scanned> {
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<Scanned>>> = files.iter().map(|_| Mutex::new(None)).collect();
    let worker = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(file) = files.get(i) else { break };
            let scanned = scan_one(file.clone(), parse_all);
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(scanned);
            }
        }
    };
    std::thread::scope(|s| {
        let started = (0..threads.max(1))
            .filter(|_| {
                std::thread::Builder::new()
                    .name("singleton-audit-parser".into())
                    .stack_size(PARSER_STACK)
                    .spawn_scoped(s, worker)
                    .is_ok()
            })
            .count();
        if started == 0 {
            // No thread of that size could be had: parse here.
            worker();
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .collect()
}

/// Words without which a file can yield nothing: no static, attribute, environment
/// write, lock acquisition or usage fact a verdict reads (every method name that
/// `verdict/rules.rs` asks `calls(..)` about, and the words of `inventory`'s fn facts). Files with none of them
/// (and no `static` keyword, see [`has_static_keyword`]) are counted but not parsed
/// (unless `parse_all`).
const KEYWORDS: &[&str] = &[
    "set_var",
    "remove_var",
    "singleton",
    "guarded_global",
    "init_once",
    "invalidating_cache",
    ".lock()",
    ".read()",
    ".write()",
    "_lock()",
    "_read()",
    "_write()",
    "get_or_init",
    "get_or_try_init",
    "compare_exchange",
    ".swap(",
    "call_once",
    ".modified()",
    // A usage fact a verdict reads from any file of the crate: a `store` makes an
    // `AtomicBool` a state flag and an `AtomicPtr` no lazy singleton.
    ".store(",
];

/// A fn that fills a `static mut` on first use makes it a hand-rolled singleton; these
/// words count only in a file that also says `unsafe` (a `static mut` is touched only
/// there; a lock around an `Option` is filled after a `.lock()`, a keyword already).
const FILL_WORDS: &[&str] = &["is_none()", "is_null()", "get_or_insert"];

/// `static` as a keyword: not the lifetime `'static`, not part of a longer word.
fn has_static_keyword(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices("static").any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + "static".len()).copied();
        let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        !matches!(before, Some(b) if b == b'\'' || word_char(b))
            && !matches!(after, Some(b) if word_char(b))
    })
}

fn may_yield(text: &str) -> bool {
    has_static_keyword(text)
        || KEYWORDS.iter().any(|k| text.contains(k))
        || (FILL_WORDS.iter().any(|k| text.contains(k)) && text.contains("unsafe"))
}

fn scan_one(file: SourceFile, parse_all: bool) -> Scanned {
    let failure = |pos: Pos, message: String| ParseFailure {
        path: file.rel.clone(),
        pos,
        message,
    };
    let text = match fs::read(&file.abs).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            let outcome = Err(failure(Pos { line: 1, column: 1 }, "not UTF-8".into()));
            return Scanned {
                file,
                lines: 0,
                outcome,
            };
        }
        Err(e) => {
            let outcome = Err(failure(Pos { line: 1, column: 1 }, e.to_string()));
            return Scanned {
                file,
                lines: 0,
                outcome,
            };
        }
    };
    let lines = bytecount_lines(&text);
    if !parse_all && !may_yield(&text) {
        return Scanned {
            file,
            lines,
            outcome: Ok(None),
        };
    }
    let edition_2024 = file.edition_2024;
    let analysed = catch_unwind(AssertUnwindSafe(|| match syn::parse_file(&text) {
        Ok(ast) => Ok(facts(&ast, &text, edition_2024)),
        Err(e) => Err((Pos::of(e.span()), e.to_string())),
    }));
    // Positions are plain numbers by now: free this thread's source map (it grows with
    // every file parsed and its offsets are 32-bit).
    proc_macro2::extra::invalidate_current_thread_spans();
    let outcome = match analysed {
        Ok(Ok(facts)) => Ok(Some(facts)),
        Ok(Err((pos, message))) => Err(failure(pos, message)),
        Err(_) => Err(failure(
            Pos { line: 1, column: 1 },
            "the parser panicked on this file".into(),
        )),
    };
    Scanned {
        file,
        lines,
        outcome,
    }
}

/// Lines as `str::lines` counts them, without building the iterator.
fn bytecount_lines(text: &str) -> usize {
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    newlines + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

fn facts(ast: &syn::File, text: &str, edition_2024: bool) -> FileFacts {
    let inventory = inventory(ast);
    let guards = guard_facts(ast, edition_2024);
    let lines: Vec<&str> = if inventory.globals.is_empty() && guards.reacquires.is_empty() {
        Vec::new()
    } else {
        text.lines().collect()
    };
    let allowed_globals = inventory
        .globals
        .iter()
        .map(|g| g.allow_lines.iter().find_map(|&l| allowed(&lines, l)))
        .collect();
    let reacquire_allowed = guards
        .reacquires
        .iter()
        .map(|r| allowed(&lines, r.second.pos.line))
        .collect();
    FileFacts {
        inventory,
        allowed: allowed_globals,
        guards,
        reacquire_allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_like_str_lines() {
        for text in ["", "a", "a\n", "a\nb", "a\n\nb\n", "\n"] {
            assert_eq!(bytecount_lines(text), text.lines().count(), "{text:?}");
        }
    }

    #[test]
    fn package_and_edition_come_from_the_nearest_manifest() {
        let root = std::env::temp_dir().join(format!("audit-scan-{}", std::process::id()));
        let member = root.join("member/src");
        let old = root.join("old/src/deep");
        fs::create_dir_all(&member).unwrap();
        fs::create_dir_all(&old).unwrap();
        fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"member\"]\n[workspace.package]\nedition = \"2024\"\n",
        )
        .unwrap();
        fs::write(
            root.join("member/Cargo.toml"),
            "[package]\nname = \"m\"\nedition.workspace = true\n",
        )
        .unwrap();
        fs::write(
            root.join("old/Cargo.toml"),
            "[package]\nname = \"o\"\nedition = \"2021\"\n",
        )
        .unwrap();
        fs::write(member.join("lib.rs"), "").unwrap();
        fs::write(old.join("x.rs"), "").unwrap();
        fs::create_dir_all(root.join("target/debug")).unwrap();
        fs::write(root.join("target/debug/gen.rs"), "").unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join(".git/hook.rs"), "").unwrap();
        let files = find_files(&root, &[]).unwrap();
        let seen: Vec<_> = files
            .iter()
            .map(|f| {
                let package = f.package.file_name().unwrap().to_string_lossy().to_string();
                (
                    f.rel.to_string_lossy().replace('\\', "/"),
                    package,
                    f.edition_2024,
                )
            })
            .collect();
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            seen,
            [
                ("member/src/lib.rs".to_string(), "member".to_string(), true),
                ("old/src/deep/x.rs".to_string(), "old".to_string(), false),
            ]
        );
    }

    #[test]
    fn files_without_keywords_are_skipped() {
        assert!(!may_yield("fn add(a: u8, b: u8) -> u8 { a + b }"));
        assert!(may_yield("fn f() { CACHE.lock().unwrap(); }"));
        assert!(may_yield("pub static X: u8 = 1;"));
        assert!(may_yield("thread_local! {\n    static X: u8 = 1;\n}"));
        assert!(!may_yield(
            "fn f(s: &'static str) -> Vec<u8> { s.static_len() }"
        ));
        assert!(may_yield(
            "fn f() { M\n        .lock()\n        .unwrap(); }"
        ));
        assert!(!may_yield("fn f(x: Option<u8>) -> bool { x.is_none() }"));
        assert!(may_yield(
            "fn f() { unsafe { if INSTANCE.is_none() { INSTANCE = Some(1); } } }"
        ));
    }
}
