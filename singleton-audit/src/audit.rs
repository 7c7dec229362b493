//! Puts the pieces together: scan the files, merge usage facts per crate (a static is
//! used in other files of its crate), judge each global, keep the lock patterns whose
//! receivers are lock statics of the crate, and sort everything by path and position.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use crate::inventory::Usage;
use crate::locks::guards::Mode;
use crate::locks::order::conflicts;
use crate::model::{DoubleLock, Finding, Kind, Level, OrderEdge, Report};
use crate::scan::{FileFacts, Scanned, SourceFile, find_files, scan};
use crate::verdict::{Context, is_scalar, judge};

/// How to audit.
///
/// # Examples
///
/// ```
/// let options = singleton_audit::Options {
///     excludes: vec!["tests/fixtures".into()],
///     ..Default::default()
/// };
/// assert_eq!(options.threads, None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Paths (relative to the root, or absolute) whose files are skipped.
    pub excludes: Vec<PathBuf>,
    /// Parser threads; `None` for one per core.
    pub threads: Option<usize>,
    /// Parse every file, also those without any word a finding needs (`static`,
    /// `lock(`, `set_var`, ...; they are skipped by default): to check that every file
    /// parses.
    pub parse_all: bool,
}

/// Audits every `.rs` file under `root` (or the file `root`).
///
/// Files that do not parse are listed in [`Report::parse_failures`]; only an unreadable
/// `root` is an error.
///
/// # Errors
///
/// When `root` does not exist or a directory under it cannot be listed.
///
/// # Examples
///
/// ```
/// let dir = std::env::temp_dir().join(format!("audit-fn-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("lib.rs"), "static NAME: &str = \"x\";\n")?;
/// let report = singleton_audit::audit(&dir, &Default::default())?;
/// assert_eq!(report.summary(), "1 global: 1 fine, 0 to migrate, 0 risky; 0 lock-order conflicts, 0 double locks");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn audit(root: &Path, options: &Options) -> io::Result<Report> {
    let files = find_files(root, &options.excludes)?;
    let threads = options.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let scanned = scan(&files, threads, options.parse_all);
    let mut report = Report {
        files: scanned.len(),
        parsed: scanned
            .iter()
            .filter(|s| !matches!(s.outcome, Ok(None)))
            .count(),
        lines: scanned.iter().map(|s| s.lines).sum(),
        ..Report::default()
    };
    let mut crates: BTreeMap<PathBuf, Vec<(SourceFile, FileFacts)>> = BTreeMap::new();
    for Scanned { file, outcome, .. } in scanned {
        match outcome {
            Err(failure) => report.parse_failures.push(failure),
            Ok(None) => {}
            Ok(Some(facts)) => crates
                .entry(file.package.clone())
                .or_default()
                .push((file, facts)),
        }
    }
    for files in crates.into_values() {
        audit_crate(files, &mut report);
    }
    report
        .findings
        .sort_by(|a, b| (&a.path, a.pos).cmp(&(&b.path, b.pos)));
    report
        .double_locks
        .sort_by(|a, b| (&a.path, a.second, a.first).cmp(&(&b.path, b.second, b.first)));
    report.lock_order.sort_by(|a, b| {
        let key = |c: &crate::model::LockOrderConflict| {
            c.edges.first().map(|e| (e.path.clone(), e.acquired_at))
        };
        key(a).cmp(&key(b))
    });
    report
        .parse_failures
        .sort_by(|a, b| (&a.path, a.pos).cmp(&(&b.path, b.pos)));
    Ok(report)
}

fn audit_crate(files: Vec<(SourceFile, FileFacts)>, report: &mut Report) {
    let mut usage = Usage::default();
    // Lock statics of the crate: name → is an RwLock.
    let mut locks: BTreeMap<String, bool> = BTreeMap::new();
    // Those the holding thread may lock again.
    let mut reentrant: BTreeSet<String> = BTreeSet::new();
    for (_, facts) in &files {
        usage.merge(facts.inventory.usage.clone());
        for g in &facts.inventory.globals {
            if let (
                Kind::Lock {
                    rw, reentrant: re, ..
                },
                None,
            ) = (&g.kind, g.annotation)
            {
                locks.insert(g.name.clone(), *rw);
                if *re {
                    reentrant.insert(g.name.clone());
                }
            }
        }
    }
    let value_static_muts: BTreeSet<String> = files
        .iter()
        .flat_map(|(_, facts)| &facts.inventory.globals)
        .filter(|g| g.kind == Kind::StaticMut && !is_scalar(&g.ty))
        .map(|g| g.name.clone())
        .collect();
    let atomics: BTreeSet<String> = files
        .iter()
        .flat_map(|(_, facts)| &facts.inventory.globals)
        .filter(|g| matches!(g.kind, Kind::Atomic { .. }))
        .map(|g| g.name.clone())
        .collect();
    let mut edges = Vec::new();
    for (file, facts) in files {
        let path = file.rel;
        let cx = Context {
            usage: &usage,
            value_static_muts: &value_static_muts,
            atomics: &atomics,
        };
        for (global, allowed) in facts.inventory.globals.iter().zip(facts.allowed) {
            let verdict = judge(global, &cx);
            // An allow comment silences a finding; on a fine one it has nothing to say.
            let allowed = allowed.filter(|_| verdict.level != Level::Fine);
            report.findings.push(Finding {
                path: path.clone(),
                pos: global.pos,
                name: global.name.clone(),
                ty: global.ty.clone(),
                kind: global.kind.clone(),
                verdict,
                allowed,
            });
        }
        for (r, allowed) in facts
            .guards
            .reacquires
            .into_iter()
            .zip(facts.reacquire_allowed)
        {
            let Some(&rw) = locks.get(&r.first.name) else {
                continue;
            };
            if !conflicting(r.first.mode, r.second.mode) || reentrant.contains(&r.first.name) {
                continue;
            }
            report.double_locks.push(DoubleLock {
                path: path.clone(),
                name: r.first.name,
                function: r.function,
                first: r.first.pos,
                guard_lines: r.guard_lines,
                second: r.second.pos,
                via: r.via,
                read_then_write: rw && r.first.mode != r.second.mode,
                allowed,
            });
        }
        for n in facts.guards.nested {
            let both_locks =
                locks.contains_key(&n.held.name) && locks.contains_key(&n.acquired.name);
            if both_locks && !(n.held.mode == Mode::Read && n.acquired.mode == Mode::Read) {
                edges.push(OrderEdge {
                    path: path.clone(),
                    function: n.function,
                    held: n.held.name,
                    held_at: n.held.pos,
                    acquired: n.acquired.name,
                    acquired_at: n.acquired.pos,
                });
            }
        }
    }
    report.lock_order.extend(conflicts(&edges));
}

/// Two acquisitions of one lock that cannot both be held: all but read + read (and a
/// read next to parking_lot's upgradable read).
fn conflicting(first: Mode, second: Mode) -> bool {
    !matches!(
        (first, second),
        (Mode::Read, Mode::Read | Mode::Upgradable) | (Mode::Upgradable, Mode::Read)
    )
}
