//! What an audit finds: globals with their verdicts, double locks, lock-order
//! conflicts and files that did not parse. Plain data; the report modules print it.

use std::fmt::{self, Write as _};
use std::path::PathBuf;

/// How urgently a finding needs attention. Ordered: `Fine < Migrate < Risky`.
///
/// # Examples
///
/// ```
/// use singleton_audit::Level;
/// assert!(Level::Risky > Level::Migrate);
/// assert_eq!("migrate".parse::<Level>(), Ok(Level::Migrate));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Correct as written; nothing to do.
    Fine,
    /// Works, but one of our attributes says the same with less code or fewer traps.
    Migrate,
    /// Undefined behaviour or a deadlock is one unlucky interleaving away.
    Risky,
}

impl Level {
    /// The lower-case name used on the command line and in JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(singleton_audit::Level::Risky.as_str(), "risky");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Fine => "fine",
            Level::Migrate => "migrate",
            Level::Risky => "risky",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fine" => Ok(Level::Fine),
            "migrate" => Ok(Level::Migrate),
            "risky" => Ok(Level::Risky),
            other => Err(format!(
                "unknown level `{other}`: expected `fine`, `migrate` or `risky`"
            )),
        }
    }
}

/// A position in a source file: 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl Pos {
    pub(crate) fn of(span: proc_macro2::Span) -> Pos {
        let start = span.start();
        Pos {
            line: start.line,
            column: start.column + 1,
        }
    }
}

/// What a global is, as far as its declaration shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `static mut`.
    StaticMut,
    /// A `static` of a type with no visible interior mutability.
    Immutable,
    /// A `static` of a type the audit cannot see into (a user type).
    Opaque,
    /// `Atomic*`; `ptr` for `AtomicPtr`, `flag` for `AtomicBool`.
    Atomic {
        /// `AtomicPtr<T>`.
        ptr: bool,
        /// `AtomicBool`.
        flag: bool,
    },
    /// A `Mutex`/`RwLock` (possibly inside a lazy wrapper or `Arc`).
    Lock {
        /// `std`, `parking_lot`, `tokio`, `spin` or `other`.
        family: &'static str,
        /// `RwLock` rather than `Mutex`.
        rw: bool,
        /// A reentrant mutex (`ReentrantMutex`): the thread holding it may lock it again.
        reentrant: bool,
        /// The type behind the lock, pretty-printed.
        inner: String,
    },
    /// `OnceLock`/`OnceCell`/`OnceBox` (set once, then read).
    OnceCell,
    /// `LazyLock`/`once_cell::Lazy`/`lazy_static!` over a value without a lock.
    Lazy {
        /// The lazily built type, pretty-printed.
        inner: String,
    },
    /// `std::sync::Once` / `parking_lot::Once`.
    Once,
    /// `Condvar`: no state of its own.
    Condvar,
    /// A `thread_local!` key.
    ThreadLocal,
    /// A tokio `task_local!` key.
    TaskLocal,
    /// A call of `std::env::set_var` or `remove_var`.
    EnvWrite,
    /// An item under `#[singleton]`, `#[guarded_global]`, `#[init_once]` or
    /// `#[invalidating_cache]`.
    Annotated,
}

impl Kind {
    /// A stable short name, used in JSON (`kind`) and the table.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(singleton_audit::Kind::StaticMut.name(), "static-mut");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Kind::StaticMut => "static-mut",
            Kind::Immutable => "immutable",
            Kind::Opaque => "opaque",
            Kind::Atomic { .. } => "atomic",
            Kind::Lock { rw: false, .. } => "mutex",
            Kind::Lock { rw: true, .. } => "rwlock",
            Kind::OnceCell => "once-cell",
            Kind::Lazy { .. } => "lazy",
            Kind::Once => "once",
            Kind::Condvar => "condvar",
            Kind::ThreadLocal => "thread-local",
            Kind::TaskLocal => "task-local",
            Kind::EnvWrite => "env-write",
            Kind::Annotated => "annotated",
        }
    }
}

/// The verdict on one global: how urgent, what to use instead, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// How urgent.
    pub level: Level,
    /// A stable rule id (`static-mut`, `lock-to-guarded-global`, ...), documented in the README.
    pub rule: &'static str,
    /// What to write instead (`#[guarded_global]`, ...); `None` when fine as is.
    pub replacement: Option<&'static str>,
    /// Why, in the user's terms. Never empty.
    pub reason: String,
}

/// One global (or environment write) with its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// File, relative to the audited root.
    pub path: PathBuf,
    /// Where the name (or the call) is.
    pub pos: Pos,
    /// The static's name, or `set_var`/`remove_var` for an environment write.
    pub name: String,
    /// The declared type, pretty-printed (empty for calls and annotated fns).
    pub ty: String,
    /// What it is.
    pub kind: Kind,
    /// What to do about it.
    pub verdict: Verdict,
    /// The reason given in a `// singleton-audit: allow(reason)` comment, if any;
    /// an allowed finding is reported at level `fine`.
    pub allowed: Option<String>,
}

/// How the first guard of a double lock is kept alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GuardVia {
    /// `let g = M.lock()...;` still in scope.
    Let,
    /// A temporary in a `match` scrutinee: alive in every arm.
    MatchScrutinee,
    /// A temporary in an `if let` scrutinee: alive in the then-block
    /// (and in the `else` block before edition 2024).
    IfLetScrutinee,
    /// A temporary in a `while let` scrutinee.
    WhileLetScrutinee,
    /// A temporary in a `for` loop's iterator expression.
    ForIterator,
    /// A temporary of the same statement.
    SameStatement,
}

impl GuardVia {
    /// Stable name used in JSON and the table.
    pub fn as_str(self) -> &'static str {
        match self {
            GuardVia::Let => "let-guard",
            GuardVia::MatchScrutinee => "match-scrutinee",
            GuardVia::IfLetScrutinee => "if-let-scrutinee",
            GuardVia::WhileLetScrutinee => "while-let-scrutinee",
            GuardVia::ForIterator => "for-iterator",
            GuardVia::SameStatement => "same-statement",
        }
    }
}

/// The same static locked again while a guard of it is alive, inside one fn body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoubleLock {
    /// File, relative to the audited root.
    pub path: PathBuf,
    /// The static locked twice.
    pub name: String,
    /// The enclosing fn.
    pub function: String,
    /// First acquisition.
    pub first: Pos,
    /// Lines over which the first guard is alive (inclusive).
    pub guard_lines: (usize, usize),
    /// Second acquisition.
    pub second: Pos,
    /// How the first guard is kept alive.
    pub via: GuardVia,
    /// `true` for an `RwLock` read followed by a write (or write then read).
    pub read_then_write: bool,
    /// Allowed by a suppression comment at the second acquisition.
    pub allowed: Option<String>,
}

/// One edge of a lock-order cycle: `acquired` was locked while `held` was held.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OrderEdge {
    /// File, relative to the audited root.
    pub path: PathBuf,
    /// The fn where it happens.
    pub function: String,
    /// The static held.
    pub held: String,
    /// Where it was locked.
    pub held_at: Pos,
    /// The static locked second.
    pub acquired: String,
    /// Where.
    pub acquired_at: Pos,
}

/// Statics locked in conflicting orders in one crate: a cycle A → B → … → A.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockOrderConflict {
    /// The statics in the cycle, starting from the smallest name.
    pub cycle: Vec<String>,
    /// One site per edge of the cycle, in cycle order.
    pub edges: Vec<OrderEdge>,
}

/// A file that did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFailure {
    /// File, relative to the audited root.
    pub path: PathBuf,
    /// Where syn stopped.
    pub pos: Pos,
    /// syn's message.
    pub message: String,
}

/// Everything an audit found, in deterministic order (path, line, column).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Globals and environment writes.
    pub findings: Vec<Finding>,
    /// Double locks.
    pub double_locks: Vec<DoubleLock>,
    /// Lock-order cycles.
    pub lock_order: Vec<LockOrderConflict>,
    /// Files that did not parse.
    pub parse_failures: Vec<ParseFailure>,
    /// `.rs` files read.
    pub files: usize,
    /// Files parsed: those with a word a finding needs, or all with
    /// [`Options::parse_all`](crate::Options::parse_all).
    pub parsed: usize,
    /// Lines in them.
    pub lines: usize,
}

impl Report {
    /// The effective level of a finding: `fine` when allowed.
    pub fn level_of(finding: &Finding) -> Level {
        if finding.allowed.is_some() {
            Level::Fine
        } else {
            finding.verdict.level
        }
    }

    /// Findings counted per level: `(fine, migrate, risky)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let report = singleton_audit::Report::default();
    /// assert_eq!(report.counts(), (0, 0, 0));
    /// ```
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for finding in &self.findings {
            match Report::level_of(finding) {
                Level::Fine => counts.0 += 1,
                Level::Migrate => counts.1 += 1,
                Level::Risky => counts.2 += 1,
            }
        }
        counts
    }

    /// The highest level of anything reported (lock findings are `risky` unless allowed).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(singleton_audit::Report::default().max_level(), None);
    /// ```
    pub fn max_level(&self) -> Option<Level> {
        let globals = self.findings.iter().map(Report::level_of);
        let doubles = self.double_locks.iter().map(|d| {
            if d.allowed.is_some() {
                Level::Fine
            } else {
                Level::Risky
            }
        });
        let orders = self.lock_order.iter().map(|_| Level::Risky);
        globals.chain(doubles).chain(orders).max()
    }

    /// The one-line summary, e.g.
    /// `"42 globals: 30 fine, 9 to migrate, 3 risky; 2 lock-order conflicts, 1 double lock"`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(
    ///     singleton_audit::Report::default().summary(),
    ///     "0 globals: 0 fine, 0 to migrate, 0 risky; 0 lock-order conflicts, 0 double locks"
    /// );
    /// ```
    pub fn summary(&self) -> String {
        let (fine, migrate, risky) = self.counts();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!(
            "{}: {fine} fine, {migrate} to migrate, {risky} risky; {}, {}",
            plural(self.findings.len(), "global", "globals"),
            plural(
                self.lock_order.len(),
                "lock-order conflict",
                "lock-order conflicts"
            ),
            plural(self.double_locks.len(), "double lock", "double locks"),
        );
        if !self.parse_failures.is_empty() {
            let _ = write!(
                line,
                "; {}",
                plural(
                    self.parse_failures.len(),
                    "file did not parse",
                    "files did not parse"
                )
            );
        }
        line
    }
}
