//! The error of a timed access, and the messages of the panics that replace deadlocks.

use std::fmt;
use std::time::Duration;

/// A timed access ([`try_read_for`](crate::GuardedGlobal::try_read_for),
/// [`try_write_for`](crate::GuardedGlobal::try_write_for)) gave up: another thread held
/// the global for longer than the timeout. Its `Display` names the global, the access
/// and the timeout.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use singleton_runtime::{guarded_global, LockTimeout};
///
/// #[guarded_global]
/// static JOBS: Vec<u32> = Vec::new();
///
/// let pushed: Result<(), LockTimeout> =
///     JOBS.try_write_for(Duration::from_millis(50), |jobs| jobs.push(7));
/// assert!(pushed.is_ok()); // nobody else held it
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockTimeout {
    pub(crate) name: Name,
    pub(crate) timeout: Duration,
    pub(crate) write: bool,
}

impl LockTimeout {
    /// The name of the global (the static's name unless `#[guarded_global(name = ...)]`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use singleton_runtime::GuardedGlobal;
    /// static COUNT: GuardedGlobal<u64> = GuardedGlobal::new("COUNT", || 0);
    /// COUNT.read(|_| {
    ///     let err = std::thread::scope(|s| {
    ///         s.spawn(|| COUNT.try_write_for(Duration::from_millis(5), |n| *n += 1))
    ///             .join()
    ///             .unwrap()
    ///             .unwrap_err()
    ///     });
    ///     assert_eq!(err.name(), "COUNT");
    /// });
    /// ```
    pub fn name(&self) -> &'static str {
        self.name.text
    }

    /// How long the access waited.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use singleton_runtime::GuardedGlobal;
    /// static COUNT: GuardedGlobal<u64> = GuardedGlobal::new("COUNT", || 0);
    /// COUNT.write(|_| {
    ///     let err = std::thread::scope(|s| {
    ///         s.spawn(|| COUNT.try_read_for(Duration::from_millis(5), |n| *n))
    ///             .join()
    ///             .unwrap()
    ///             .unwrap_err()
    ///     });
    ///     assert_eq!(err.timeout(), Duration::from_millis(5));
    ///     assert!(!err.is_write());
    /// });
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the access that timed out was a write (else a read).
    ///
    /// # Examples
    ///
    /// See [`LockTimeout::timeout`].
    pub fn is_write(&self) -> bool {
        self.write
    }
}

impl fmt::Display for LockTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (access, holder) = if self.write {
            ("write", "held")
        } else {
            ("read", "was writing")
        };
        write!(
            f,
            "timed out after {:?} waiting to {access} {}: another thread {holder} it",
            self.timeout, self.name
        )
    }
}

impl std::error::Error for LockTimeout {}

/// The name of a guarded value, and what it is: messages say "guarded global `NAME`"
/// or "guarded field `Type.field`".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Name {
    pub(crate) text: &'static str,
    /// A [`Guarded`](crate::Guarded) (else a [`GuardedGlobal`](crate::GuardedGlobal)).
    pub(crate) field: bool,
}

impl Name {
    pub(crate) const fn global(text: &'static str) -> Self {
        Self { text, field: false }
    }

    pub(crate) const fn field(text: &'static str) -> Self {
        Self { text, field: true }
    }

    /// What the wait-for graph calls it.
    pub(crate) fn kind(self) -> crate::waits::Kind {
        if self.field {
            crate::waits::Kind::GuardedField
        } else {
            crate::waits::Kind::GuardedGlobal
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.field { "field" } else { "global" };
        write!(f, "guarded {what} `{}`", self.text)
    }
}

#[cold]
#[track_caller]
pub(crate) fn poisoned(label: Name, by: Option<&str>) -> ! {
    let name = label.text;
    let by = by.map_or_else(String::new, |thread| format!(" on thread {thread}"));
    // `NAME.recover(..)` reads well for a static's own name (a keyword, as in
    // `static r#type`, is written raw to be code); a free-form name is not code.
    let path = !label.field
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':');
    let (recover, clear) = if path {
        let raw = if KEYWORDS.contains(&name) { "r#" } else { "" };
        (
            format!("with `{raw}{name}.recover(|value| ...)`"),
            format!("with `{raw}{name}.clear_poison()`"),
        )
    } else {
        (
            "by calling its `recover(|value| ...)`".to_owned(),
            "with its `clear_poison()`".to_owned(),
        )
    };
    panic!(
        "{label} is poisoned: a `write` panicked{by}, so the value may be \
         half-changed. Repair it {recover}, or accept it as it is {clear}"
    )
}

/// The keywords a static can be named with only as a raw identifier (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];
