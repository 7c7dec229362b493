//! Reading a cached config file (the seed's TS-009): `#[invalidating_cache]` hits next
//! to an arc-swap load (the floor of "hand out the current `Arc`"), the `cached`
//! crate's `#[once(time = 1)]`, and the seed's own fix, a cache that `stat`s the file
//! on every call.
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
pub struct ReproConfig {
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

const HIT: &str = "#[invalidating_cache] hit, default (1 s)";
const SEED: &str = "hand-written stat-per-call cache (seed TS-009)";

pub fn run(cfg: &Config, report: &mut Report) {
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
        let mut group = Group::new("cached config read: get the current Arc<Config>", threads)
            .with(Candidate::op("arc-swap load_full (Arc<T>)", || {
                SWAP.load_full()
            }))
            .with(Candidate::op("arc-swap load (guard, no Arc clone)", || {
                SWAP.load().is_some()
            }))
            .with(Candidate::op(HIT, default_mode))
            .with(Candidate::op("cached #[once(time = 1)]", cached_once))
            .with(Candidate::op(
                "#[invalidating_cache] strict (Duration::ZERO)",
                strict_mode,
            ))
            .with(Candidate::op(SEED, stat_per_call));
        if threads == 1 {
            group = group
                .target(Target::AtMost {
                    row: HIT,
                    ratio: 2.0,
                })
                .target(Target::FasterThan {
                    row: HIT,
                    than: SEED,
                    factor: 100.0,
                });
        }
        group.run(cfg, report);
    }
}
