//! TS-009: `@lru_cache` on `load_reproducibility_config()` served the first parse of
//! the file forever. Here threads read the config while it is edited in place, saved
//! by rename, broken and fixed; they see every good version in order, never a broken
//! one, and the error is kept for whoever asks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use singleton_runtime::invalidating_cache;

#[derive(Debug)]
struct ReproConfig {
    version: u32,
    seed: u64,
}

#[derive(Debug)]
enum ConfigError {
    Io(std::io::Error),
    Parse(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read the config: {e}"),
            Self::Parse(why) => write!(f, "cannot parse the config: {why}"),
        }
    }
}

// singleton-audit: allow(the tour's scratch directory, kept apart from the code it demonstrates)
static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

/// What the seed had: `@lru_cache(maxsize=1)`, a cache that never looks again.
// singleton-audit: allow(the seed's stale-cache pattern, shown next to #[invalidating_cache] on purpose)
static LRU_CACHE: OnceLock<ReproConfig> = OnceLock::new();

fn config_path() -> PathBuf {
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .join("reproducibility.yaml")
}

fn parse(path: &Path) -> Result<ReproConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(ConfigError::Io)?;
    let field = |name: &str| -> Result<u64, ConfigError> {
        let line = text.lines().find_map(|l| l.strip_prefix(name));
        let line = line.ok_or_else(|| ConfigError::Parse(format!("no `{name}` line")))?;
        line.trim()
            .parse()
            .map_err(|e| ConfigError::Parse(format!("`{name}` {e}")))
    };
    let version =
        u32::try_from(field("version:")?).map_err(|e| ConfigError::Parse(e.to_string()))?;
    Ok(ReproConfig {
        version,
        seed: field("seed:")?,
    })
}

/// The fix: reloaded when the file changes, checked at most every 20 ms.
#[invalidating_cache(path = config_path(), check_interval = Duration::from_millis(20))]
fn reproducibility_config(path: &Path) -> Result<ReproConfig, ConfigError> {
    parse(path)
}

fn save_by_rename(text: &str) {
    let tmp = config_path().with_extension("tmp");
    std::fs::write(&tmp, text).expect("write temp file");
    std::fs::rename(&tmp, config_path()).expect("rename over the config");
}

pub(crate) fn run() {
    println!("\n== #[invalidating_cache]: a parsed config file that follows its edits ==");
    println!(
        "the bug (TS-009): `@lru_cache` on the config loader parsed the file once and served \
         that first parse for the rest of the run"
    );
    std::fs::write(config_path(), "version: 1\nseed: 42\n").expect("write config");

    // The seed's bug: a cache that never looks at the file again.
    let stale = LRU_CACHE.get_or_init(|| parse(&config_path()).expect("valid"));
    std::fs::write(config_path(), "version: 2\nseed: 43\n").expect("edit config");
    println!(
        "  an @lru_cache-style cache, after the file was edited from version 1 to version 2: \
         still serves version {}",
        stale.version
    );
    println!(
        "the fix, read by 3 threads every millisecond while the file is edited in place \
         (version 3), saved by rename (version 4), saved broken (version 5, `seed: oops`), \
         deleted, and saved again (version 6):"
    );

    // The fix, read by three threads while the file changes under them, and watched by
    // a subscriber that is told of each reload (it never polls the getter).
    let stop = Arc::new(AtomicBool::new(false));
    let subscriber = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut reloads = reproducibility_config::subscribe();
            let mut told = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                if let Some((config, generation)) = reloads.recv_timeout(Duration::from_millis(50))
                {
                    told.push((generation, config.version));
                }
            }
            told
        })
    };
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut seen: Vec<u32> = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    // Closure access: the cheapest read, for code that only looks.
                    let version = reproducibility_config::with(|config| config.version)
                        .expect("a good version exists");
                    if seen.last() != Some(&version) {
                        seen.push(version);
                    }
                    thread::sleep(Duration::from_millis(1));
                }
                seen
            })
        })
        .collect();
    let pause = || thread::sleep(Duration::from_millis(150));
    pause();
    std::fs::write(config_path(), "version: 3\nseed: 44\n").expect("edit in place");
    pause();
    save_by_rename("version: 4\nseed: 45\n");
    pause();
    save_by_rename("version: 5\nseed: oops\n");
    pause();
    let kept = reproducibility_config().expect("last good value");
    let error =
        reproducibility_config::last_error().map_or_else(|| "none".to_owned(), |e| e.to_string());
    println!(
        "  version 5 saved broken: still serving version {} (seed {}); the error is kept: {error}",
        kept.version, kept.seed
    );
    std::fs::remove_file(config_path()).expect("delete");
    pause();
    let error =
        reproducibility_config::last_error().map_or_else(|| "none".to_owned(), |e| e.to_string());
    println!(
        "  file deleted: still serving version {}; the error is kept: {error}",
        reproducibility_config().expect("kept").version
    );
    save_by_rename("version: 6\nseed: 47\n");
    pause();
    stop.store(true, Ordering::SeqCst);
    for (i, reader) in readers.into_iter().enumerate() {
        let seen = reader.join().expect("reader thread");
        println!("  reader {i} saw versions {seen:?}: in order, never a broken one");
    }
    let told = subscriber.join().expect("subscriber thread");
    println!(
        "  a subscriber, which never calls the getter, was told of each reload as \
         (generation, version): {told:?}"
    );
    let now = reproducibility_config().expect("fixed");
    let versions: Vec<u32> = told.iter().map(|&(_, version)| version).collect();
    println!(
        "  now: version {}; {} good loads in all (versions {versions:?}); the broken and the \
         missing file failed {} checks, each keeping the last good version; error left: {}",
        now.version,
        reproducibility_config::generation(),
        reproducibility_config::cache().failures(),
        reproducibility_config::last_error().map_or_else(|| "none".to_owned(), |e| e.to_string()),
    );
}
