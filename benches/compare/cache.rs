//! Reading a cached config file (the seed's TS-009): `#[invalidating_cache]` hits next
//! to an arc-swap `load` (the anchor: what a user picks for a hot read) and
//! `load_full` (an `Arc` clone per read), the `cached` crate's `#[once(time = 1)]`, and
//! the seed's own fix, a cache that `stat`s the file on every call.
//!
//! Every row reads one field of the value (`seed`), as a caller does.
//!
//! The file sits at the seed's path, `CONFIG/pipeline/training/reproducibility.yaml`,
//! under a temp dir, so the `stat` rows walk the same number of path components.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use singleton_runtime::invalidating_cache;

use crate::harness::{Candidate, Config, Group, Report, Target};

#[derive(Debug)]
pub(crate) struct ReproConfig {
    pub seed: u64,
    pub threads: u32,
}

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
static PATH: OnceLock<PathBuf> = OnceLock::new();

fn config_path() -> &'static Path {
    PATH.get_or_init(|| {
        let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
        let path = dir
            .path()
            .join("CONFIG/pipeline/training/reproducibility.yaml");
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("config dir");
        std::fs::write(&path, "seed: 42\nthreads: 1\n").expect("config file");
        path
    })
}

fn parse(path: &Path) -> io::Result<ReproConfig> {
    let text = std::fs::read_to_string(path)?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("no `{name}`")))
    };
    let threads = u32::try_from(field("threads:")?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(ReproConfig {
        seed: field("seed:")?,
        threads,
    })
}

#[invalidating_cache(path = config_path())]
fn default_mode(path: &Path) -> Result<ReproConfig, io::Error> {
    parse(path)
}

#[invalidating_cache(path = config_path(), check_interval = Duration::ZERO)]
fn strict_mode(path: &Path) -> Result<ReproConfig, io::Error> {
    parse(path)
}

/// The seed's fix, in Rust: `stat` on every call, reload when the mtime differs.
static STAT_PER_CALL: Mutex<Option<(SystemTime, Arc<ReproConfig>)>> = Mutex::new(None);

fn stat_per_call() -> io::Result<Arc<ReproConfig>> {
    let path = config_path();
    let mtime = std::fs::metadata(path)?.modified()?;
    let mut cached = STAT_PER_CALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match &*cached {
        Some((seen, value)) if *seen == mtime => Ok(Arc::clone(value)),
        _ => {
            let value = Arc::new(parse(path)?);
            *cached = Some((mtime, Arc::clone(&value)));
            Ok(value)
        }
    }
}

/// `cached`'s time-limited `#[once]`: reloads every second whether or not the file
/// changed, and never notices a change sooner.
#[cached::proc_macro::once(time = 1, result = true)]
fn cached_once() -> Result<Arc<ReproConfig>, String> {
    parse(config_path())
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

static SWAP: ArcSwapOption<ReproConfig> = ArcSwapOption::const_empty();

const HIT: &str = "#[invalidating_cache] hit: name()?.seed (CacheRef)";
const WITH: &str = "#[invalidating_cache] name::with(|c| c.seed)";
const LOAD: &str = "arc-swap load (guard)";
const SEED: &str = "hand-written stat-per-call cache (seed TS-009)";

pub(crate) fn run(cfg: &Config, report: &mut Report) {
    // Load everything first: these rows measure hits.
    SWAP.store(Some(Arc::new(parse(config_path()).expect("valid config"))));
    let (a, b) = (
        default_mode().expect("loads"),
        strict_mode().expect("loads"),
    );
    assert_eq!((a.seed, b.threads), (42, 1));
    let _ = (
        stat_per_call().expect("loads"),
        cached_once().expect("loads"),
    );

    for threads in [1, 2] {
        let mut group = Group::new(
            "cached config read: one field of the current config",
            threads,
        )
        .with(Candidate::tiny_op(LOAD, || {
            SWAP.load().as_ref().map(|c| c.seed)
        }))
        .with(Candidate::tiny_op("arc-swap load_full (Arc<T>)", || {
            SWAP.load_full().map(|c| c.seed)
        }))
        .with(Candidate::tiny_op(HIT, || {
            default_mode().map(|c| c.seed).ok()
        }))
        .with(Candidate::tiny_op(WITH, || {
            default_mode::with(|c| c.seed).ok()
        }))
        .with(Candidate::tiny_op("cached #[once(time = 1)]", || {
            cached_once().map(|c| c.seed).ok()
        }))
        .with(Candidate::op(
            "#[invalidating_cache] strict (Duration::ZERO)",
            || strict_mode().map(|c| c.seed).ok(),
        ))
        .with(Candidate::op(SEED, || stat_per_call().map(|c| c.seed).ok()));
        // The targets: the default hit within 1.3x `load` on one thread and
        // 1.5x on two (readers write no shared line), closure access ahead of `load`.
        let hit_bound = if threads == 1 { 1.3 } else { 1.5 };
        group = group
            .target(Target::AtMost {
                row: HIT,
                ratio: hit_bound,
            })
            .target(Target::AtMost {
                row: WITH,
                ratio: 1.0,
            });
        if threads == 1 {
            group = group.target(Target::FasterThan {
                row: HIT,
                than: SEED,
                factor: 20.0,
            });
        }
        group.run(cfg, report);
    }
}
