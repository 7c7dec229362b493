//! `singleton-audit`: an inventory of a Rust codebase's global state, with the fix for
//! each item.
//!
//! It reads every `.rs` file under a directory with [`syn`] (no compiler, no nightly)
//! and lists
//! - every `static` (in modules, fn bodies, impls), `static mut`, and the statics
//!   declared by `lazy_static!`, `thread_local!` and `task_local!`, classified by the
//!   kind of their type (immutable, atomic, `Mutex`/`RwLock` of std, parking_lot, tokio
//!   or spin, `OnceLock`/`OnceCell`, `LazyLock`/`Lazy`, `Once`, ...);
//! - calls of `std::env::set_var` / `remove_var`;
//! - items already under `#[singleton]`, `#[guarded_global]`, `#[init_once]` or
//!   `#[invalidating_cache]` (fine);
//!
//! with a [`Verdict`] for each: [`Level::Fine`], [`Level::Migrate`] (and to which
//! attribute) or [`Level::Risky`], and the reason. It also reports, from syntax alone,
//! a static locked again while a guard of it is alive in the same fn (including
//! `match` / `if let` scrutinee temporaries) and statics locked in conflicting orders
//! within one crate.
//!
//! Findings can be silenced with a reasoned comment on or above the item:
//! `// singleton-audit: allow(why this is fine)`; they are then reported as fine, with
//! the reason.
//!
//! # Examples
//!
//! ```
//! use singleton_audit::{audit, Level, Options};
//!
//! let dir = std::env::temp_dir().join(format!("audit-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! std::fs::write(dir.join("lib.rs"), "static mut COUNT: u64 = 0;\n")?;
//!
//! let report = audit(&dir, &Options::default())?;
//! assert_eq!(report.findings.len(), 1);
//! assert_eq!(report.findings[0].verdict.level, Level::Risky);
//! assert_eq!(report.findings[0].verdict.replacement, Some("#[guarded_global]"));
//! assert_eq!(report.max_level(), Some(Level::Risky));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The command line (`cargo singleton-audit [PATH]`) and the JSON schema are described
//! in the crate's README.
#![forbid(unsafe_code)]

mod audit;
mod inventory;
mod kind;
mod locks;
mod model;
pub mod report;
mod scan;
mod suppress;
mod verdict;

pub use audit::{Options, audit};
pub use model::{
    DoubleLock, Finding, GuardVia, Kind, Level, LockOrderConflict, OrderEdge, ParseFailure, Pos,
    Report, Verdict,
};
