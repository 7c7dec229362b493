//! `#[invalidating_cache]` against real files in a temp dir, with real threads:
//! change detection (edit, same-size rewrite with mtime restored, rename-over,
//! ConfigMap symlink swap, delete-then-recreate), failures that keep the last good
//! value, single flight, readers during 150 rename-over saves, and staleness bounds.
//!
//! Every test has a cache of its own (a `#[invalidating_cache]` fn at module level,
//! reading `<temp dir>/<test name>/config.txt`) and a loader-call counter. Anything that
//! could hang runs on a thread joined with a timeout.

// `Duration::from_mins`/`from_hours` are newer than the workspace's MSRV (1.85).
#![allow(clippy::duration_suboptimal_units)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use filetime::FileTime;
use singleton_runtime::{CacheRef, Fingerprint, InvalidatingCache, invalidating_cache};
use support::{DEADLOCK_TIMEOUT, poll_until, race, within};

// ---------------------------------------------------------------------------------
// Fixtures: a versioned file format whose loader notices truncation.

/// One version of the config: `version N`, a payload line of N repeated, `end N`.
#[derive(Debug, PartialEq, Eq)]
struct Versioned {
    version: u32,
    payload: Vec<u32>,
}

#[derive(Debug)]
enum LoadError {
    Io(std::io::ErrorKind),
    Parse(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(kind) => write!(f, "cannot read: {kind}"),
            Self::Parse(why) => write!(f, "cannot parse: {why}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Width of the version number, so that every version of a file has the same size.
fn render(version: u32) -> String {
    let payload = vec![format!("{version:05}"); 16].join(" ");
    format!("version {version:05}\npayload {payload}\nend {version:05}\n")
}

fn parse(path: &Path) -> Result<Versioned, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::Io(e.kind()))?;
    let mut lines = text.lines();
    let mut field = |name: &str| {
        let line = lines
            .next()
            .ok_or_else(|| LoadError::Parse(format!("truncated before `{name}`")))?;
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| LoadError::Parse(format!("expected `{name}`, found {line:?}")))
            .map(str::to_owned)
    };
    let number = |s: &str| {
        s.parse::<u32>()
            .map_err(|e| LoadError::Parse(format!("{s:?}: {e}")))
    };
    let version = number(&field("version")?)?;
    let payload = field("payload")?
        .split(' ')
        .map(number)
        .collect::<Result<Vec<_>, _>>()?;
    let end = number(&field("end")?)?;
    if end != version || payload.iter().any(|&p| p != version) {
        return Err(LoadError::Parse(format!(
            "torn: version {version}, end {end}"
        )));
    }
    Ok(Versioned { version, payload })
}

/// `<temp dir>/<name>/config.txt` (the directory is created by [`setup`]).
fn fixture(name: &str) -> PathBuf {
    support::temp_root().join(name).join("config.txt")
}

fn setup(name: &str) -> PathBuf {
    let path = fixture(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    path
}

fn write_in_place(path: &Path, version: u32) {
    std::fs::write(path, render(version)).unwrap();
}

/// The safe way to save: write a temp file, rename it over the config.
fn write_renamed(path: &Path, version: u32) {
    support::save_by_rename(path, render(version));
}

const OLD_MTIME: i64 = 1_600_000_000;

fn set_old_mtime(path: &Path) {
    filetime::set_file_mtime(path, FileTime::from_unix_time(OLD_MTIME, 0)).unwrap();
}

/// Long enough for the kernel's timestamp clock (one tick, at most 10 ms) to move on,
/// so that a write now gets a different ctime than one before.
fn next_timestamp_tick() {
    std::thread::sleep(Duration::from_millis(50));
}

/// A file changed less than this ago is still inside the 2 s "same tick" window, in
/// which an equal fingerprint is trusted; a test that asserts "not re-read" checks
/// that it ran within this margin (a machine stalled for seconds would legitimately
/// see the one re-read after the window).
const FRESH_MARGIN: Duration = Duration::from_millis(1500);

fn version_of(result: Result<CacheRef<Versioned>, Arc<LoadError>>) -> u32 {
    result.expect("a value").version
}

/// Declares a cache of `fixture($dir)` whose loader counts its calls in `$count`.
macro_rules! counted_cache {
    ($name:ident, $count:ident, $dir:literal, $interval:expr) => {
        static $count: AtomicUsize = AtomicUsize::new(0);

        #[invalidating_cache(path = fixture($dir), check_interval = $interval)]
        fn $name(path: &Path) -> Result<Versioned, LoadError> {
            $count.fetch_add(1, SeqCst);
            parse(path)
        }
    };
}

// ---------------------------------------------------------------------------------
// Change detection.

counted_cache!(edit_cfg, EDIT_LOADS, "edit", Duration::ZERO);

#[test]
fn an_edit_is_seen() {
    let path = setup("edit");
    let written = Instant::now();
    write_in_place(&path, 1);
    assert_eq!(version_of(edit_cfg()), 1);
    assert_eq!(version_of(edit_cfg()), 1);
    if written.elapsed() < FRESH_MARGIN {
        // (Past 2 s the fresh file is legitimately read once more; see below.)
        assert_eq!(
            EDIT_LOADS.load(SeqCst),
            1,
            "an unchanged file is not reloaded"
        );
    }
    let loads = EDIT_LOADS.load(SeqCst);
    std::fs::write(&path, render(2) + "# comment\n").unwrap();
    assert_eq!(version_of(edit_cfg()), 2);
    assert_eq!(EDIT_LOADS.load(SeqCst), loads + 1);
    assert_eq!(edit_cfg::generation(), u64::try_from(loads + 1).unwrap());
    assert!(edit_cfg::last_loaded().is_some_and(|t| t <= SystemTime::now()));
}

counted_cache!(same_size_cfg, SAME_SIZE_LOADS, "same_size", Duration::ZERO);

#[test]
fn a_same_size_rewrite_with_its_mtime_restored_is_seen() {
    let path = setup("same_size");
    write_in_place(&path, 1);
    set_old_mtime(&path);
    assert_eq!(version_of(same_size_cfg()), 1);
    let before = Fingerprint::of_path(&path).unwrap();

    next_timestamp_tick();
    write_in_place(&path, 2);
    set_old_mtime(&path);
    let after = Fingerprint::of_path(&path).unwrap();
    // The scenario: same file, same size, same mtime; only ctime tells.
    assert_eq!(
        (after.file_id(), after.size(), after.modified_ns()),
        (before.file_id(), before.size(), before.modified_ns())
    );
    assert_ne!(after.changed_ns(), before.changed_ns());

    assert_eq!(version_of(same_size_cfg()), 2);
    assert_eq!(SAME_SIZE_LOADS.load(SeqCst), 2);
}

counted_cache!(rename_cfg, RENAME_LOADS, "rename", Duration::ZERO);

#[test]
fn a_rename_over_save_is_seen() {
    let path = setup("rename");
    write_in_place(&path, 1);
    set_old_mtime(&path);
    assert_eq!(version_of(rename_cfg()), 1);
    let before = Fingerprint::of_path(&path).unwrap();

    write_renamed(&path, 2);
    set_old_mtime(&path);
    let after = Fingerprint::of_path(&path).unwrap();
    assert_eq!(
        (after.size(), after.modified_ns()),
        (before.size(), before.modified_ns())
    );
    assert_ne!(
        after.file_id(),
        before.file_id(),
        "a new inode took the name"
    );

    assert_eq!(version_of(rename_cfg()), 2);
    assert_eq!(RENAME_LOADS.load(SeqCst), 2);
}

counted_cache!(configmap_cfg, CONFIGMAP_LOADS, "configmap", Duration::ZERO);

/// Kubernetes mounts a ConfigMap as `config.txt -> ..data/config.txt`, `..data ->
/// ..<timestamp>`; an update writes a new `..<timestamp>` directory and renames a new
/// `..data` symlink over the old one. `config.txt` itself never changes.
#[test]
fn a_configmap_symlink_swap_is_seen() {
    let path = setup("configmap");
    let dir = path.parent().unwrap();
    let publish = |version: u32, stamp: &str| {
        let versioned = dir.join(stamp);
        std::fs::create_dir(&versioned).unwrap();
        write_in_place(&versioned.join("config.txt"), version);
        set_old_mtime(&versioned.join("config.txt"));
        let tmp_link = dir.join("..data_tmp");
        std::os::unix::fs::symlink(stamp, &tmp_link).unwrap();
        std::fs::rename(&tmp_link, dir.join("..data")).unwrap();
    };
    publish(1, "..2024_01_01");
    std::os::unix::fs::symlink("..data/config.txt", &path).unwrap();
    assert_eq!(version_of(configmap_cfg()), 1);
    let link_before = std::fs::symlink_metadata(&path).unwrap();

    publish(2, "..2024_01_02");
    std::fs::remove_dir_all(dir.join("..2024_01_01")).unwrap();
    let link_after = std::fs::symlink_metadata(&path).unwrap();
    assert_eq!(
        link_before.modified().unwrap(),
        link_after.modified().unwrap(),
        "the link itself is untouched"
    );

    assert_eq!(version_of(configmap_cfg()), 2);
    assert_eq!(CONFIGMAP_LOADS.load(SeqCst), 2);
}

counted_cache!(recreate_cfg, RECREATE_LOADS, "recreate", Duration::ZERO);

#[test]
fn delete_then_recreate_is_seen_with_or_without_a_call_in_between() {
    let path = setup("recreate");
    write_in_place(&path, 1);
    set_old_mtime(&path);
    assert_eq!(version_of(recreate_cfg()), 1);

    // A call while the file is gone keeps the value and records the error.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(version_of(recreate_cfg()), 1);
    assert!(matches!(
        *recreate_cfg::last_error().unwrap(),
        LoadError::Io(std::io::ErrorKind::NotFound)
    ));
    write_in_place(&path, 2);
    set_old_mtime(&path);
    assert_eq!(version_of(recreate_cfg()), 2);
    assert!(
        recreate_cfg::last_error().is_none(),
        "a good load clears the error"
    );

    // No call in between: same size, same mtime, possibly the same inode number.
    next_timestamp_tick();
    std::fs::remove_file(&path).unwrap();
    write_in_place(&path, 3);
    set_old_mtime(&path);
    assert_eq!(version_of(recreate_cfg()), 3);
    assert_eq!(RECREATE_LOADS.load(SeqCst), 4, "1, missing, 2, 3");
}

// ---------------------------------------------------------------------------------
// Failures keep the last good value.

counted_cache!(broken_cfg, BROKEN_LOADS, "broken", Duration::ZERO);

/// A way to break the config file, and its name.
type Breakage<'a> = (&'a str, Box<dyn Fn() + 'a>);

#[test]
fn every_kind_of_bad_file_keeps_the_last_good_value_and_exposes_the_error() {
    let path = setup("broken");
    let tmp = path.with_extension("tmp");
    let save = |bytes: &[u8]| {
        std::fs::write(&tmp, bytes).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    };
    save(render(1).as_bytes());
    let first = broken_cfg().unwrap();
    assert_eq!(first.version, 1);

    let good = render(2);
    let cases: [Breakage<'_>; 4] = [
        ("parse error", Box::new(|| save(b"version one\n"))),
        (
            "truncated file",
            Box::new(|| save(&good.as_bytes()[..good.len() / 2])),
        ),
        ("invalid UTF-8", Box::new(|| save(b"version \xff\xfe\n"))),
        (
            "a directory where the file was",
            Box::new(|| {
                std::fs::remove_file(&path).unwrap();
                std::fs::create_dir(&path).unwrap();
            }),
        ),
    ];
    let mut stalled = false;
    for (what, break_it) in &cases {
        let broken_at = Instant::now();
        break_it();
        let served = broken_cfg().unwrap();
        assert!(
            CacheRef::ptr_eq(&served, &first),
            "{what}: the last good value, the very same Arc"
        );
        let error = broken_cfg::last_error().unwrap_or_else(|| panic!("{what}: error recorded"));
        assert!(!error.to_string().is_empty());
        // An unchanged bad file is not parsed again on every call.
        let loads = BROKEN_LOADS.load(SeqCst);
        assert!(CacheRef::ptr_eq(&broken_cfg().unwrap(), &first));
        if broken_at.elapsed() < FRESH_MARGIN {
            assert_eq!(
                BROKEN_LOADS.load(SeqCst),
                loads,
                "{what}: not re-read while unchanged"
            );
        } else {
            stalled = true;
        }
        assert!(
            broken_cfg::reload().is_err(),
            "{what}: reload reports the failure"
        );
        if path.is_dir() {
            std::fs::remove_dir(&path).unwrap();
        }
    }
    assert_eq!(broken_cfg::generation(), 1);

    save(render(2).as_bytes());
    assert_eq!(version_of(broken_cfg()), 2);
    assert!(broken_cfg::last_error().is_none());
    assert!(
        stalled || broken_cfg::cache().failures() == 8,
        "4 bad files, each checked once and reloaded once"
    );
}

counted_cache!(denied_cfg, DENIED_LOADS, "denied", Duration::ZERO);

#[test]
fn permission_denied_keeps_the_last_good_value() {
    use std::os::unix::fs::PermissionsExt;
    let path = setup("denied");
    write_in_place(&path, 1);
    assert_eq!(version_of(denied_cfg()), 1);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_ok() {
        // Running as root (containers): permissions do not stop reads, so this
        // scenario cannot be staged. Say so rather than pass silently.
        eprintln!("permission_denied_keeps_the_last_good_value: privileged user, scenario skipped");
        return;
    }
    assert_eq!(version_of(denied_cfg()), 1);
    assert!(matches!(
        *denied_cfg::last_error().unwrap(),
        LoadError::Io(std::io::ErrorKind::PermissionDenied)
    ));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(version_of(denied_cfg()), 1);
    assert!(
        denied_cfg::last_error().is_none(),
        "chmod changed ctime: reloaded"
    );
    assert_eq!(DENIED_LOADS.load(SeqCst), 3);
}

counted_cache!(late_cfg, LATE_LOADS, "late", Duration::from_secs(3600));

#[test]
fn missing_at_first_call_returns_the_error_then_loads_when_the_file_appears() {
    let path = setup("late");
    let error = late_cfg().unwrap_err();
    assert!(matches!(
        *error,
        LoadError::Io(std::io::ErrorKind::NotFound)
    ));
    assert!(
        Arc::ptr_eq(&error, &late_cfg::last_error().unwrap()),
        "the same shared error"
    );
    // With no good value, the file is looked at again within a second, although the
    // check interval is an hour; meanwhile callers get the error without a new load.
    write_in_place(&path, 1);
    let start = Instant::now();
    let loaded = poll_until("the file appearing", || late_cfg().ok());
    assert_eq!(loaded.version, 1);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "seen after {:?}",
        start.elapsed()
    );
    assert_eq!(
        LATE_LOADS.load(SeqCst),
        2,
        "one failed load, then one that succeeded"
    );
    assert!(late_cfg::last_error().is_none());
}

// ---------------------------------------------------------------------------------
// Concurrency.

static SLOW_LOADS: AtomicUsize = AtomicUsize::new(0);

#[invalidating_cache(path = fixture("single_flight"))]
fn slow_cfg(path: &Path) -> Result<Versioned, LoadError> {
    SLOW_LOADS.fetch_add(1, SeqCst);
    std::thread::sleep(Duration::from_millis(150));
    parse(path)
}

#[test]
fn eight_threads_at_first_load_run_the_loader_once_and_once_more_after_invalidate() {
    let path = setup("single_flight");
    write_in_place(&path, 1);
    let burst = || race(8, |_| slow_cfg().unwrap());
    let values = within("8 threads at first load", DEADLOCK_TIMEOUT * 3 / 2, burst);
    assert_eq!(SLOW_LOADS.load(SeqCst), 1);
    assert!(
        values.iter().all(|v| CacheRef::ptr_eq(v, &values[0])),
        "all share one Arc"
    );

    slow_cfg::invalidate();
    write_in_place(&path, 2);
    let values = within(
        "8 threads after invalidate",
        DEADLOCK_TIMEOUT * 3 / 2,
        burst,
    );
    assert_eq!(
        SLOW_LOADS.load(SeqCst),
        2,
        "one reload, however many callers"
    );
    // After `invalidate`, nobody is handed the invalidated value: all waited for the
    // one reload and share its Arc.
    assert!(
        values
            .iter()
            .all(|v| v.version == 2 && CacheRef::ptr_eq(v, &values[0]))
    );
}

counted_cache!(stream_cfg, STREAM_LOADS, "stream", Duration::ZERO);

#[test]
fn readers_see_whole_versions_in_order_while_150_versions_are_renamed_into_place() {
    const VERSIONS: u32 = 150;
    const READERS: usize = 3;
    let path = setup("stream");
    write_renamed(&path, 0);
    let seen = within(
        "readers during 150 rename-over saves",
        DEADLOCK_TIMEOUT * 3,
        move || {
            let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let readers: Vec<_> = (0..READERS)
                .map(|_| {
                    let done = Arc::clone(&done);
                    std::thread::spawn(move || {
                        let mut versions = Vec::new();
                        let give_up = Instant::now() + DEADLOCK_TIMEOUT * 3 / 2;
                        loop {
                            let value = stream_cfg().expect("the first version is valid");
                            // Whole: the loader rejects torn files, and the value is intact.
                            assert!(value.payload.iter().all(|&p| p == value.version));
                            if versions.last() != Some(&value.version) {
                                versions.push(value.version);
                            }
                            if done.load(SeqCst) && value.version == VERSIONS
                                || Instant::now() > give_up
                            {
                                break versions;
                            }
                        }
                    })
                })
                .collect();
            for version in 1..=VERSIONS {
                write_renamed(&path, version);
                std::thread::sleep(Duration::from_micros(200));
            }
            done.store(true, SeqCst);
            readers
                .into_iter()
                .map(|r| r.join().unwrap())
                .collect::<Vec<_>>()
        },
    );
    for versions in &seen {
        assert!(
            versions.windows(2).all(|w| w[0] < w[1]),
            "never backwards: {versions:?}"
        );
        assert_eq!(
            versions.last(),
            Some(&VERSIONS),
            "the last version becomes visible"
        );
    }
    assert!(
        stream_cfg::cache().failures() == 0,
        "no torn read was ever accepted or attempted"
    );
}

// ---------------------------------------------------------------------------------
// Cost and staleness.

counted_cache!(lazy_cfg, LAZY_LOADS, "lazy", Duration::from_secs(3600));

#[test]
fn a_hit_does_not_look_at_the_file_until_the_interval_passes_or_invalidate() {
    let path = setup("lazy");
    write_in_place(&path, 1);
    assert_eq!(version_of(lazy_cfg()), 1);
    write_renamed(&path, 2);
    for _ in 0..1000 {
        assert_eq!(
            version_of(lazy_cfg()),
            1,
            "within the interval: served without a stat"
        );
    }
    assert_eq!(LAZY_LOADS.load(SeqCst), 1);
    lazy_cfg::invalidate();
    assert_eq!(version_of(lazy_cfg()), 2);
    write_renamed(&path, 3);
    assert_eq!(version_of(lazy_cfg::reload()), 3);
    assert_eq!(lazy_cfg::generation(), 3);
}

const INTERVAL: Duration = Duration::from_millis(300);
counted_cache!(stale_cfg, STALE_LOADS, "stale", INTERVAL);

#[test]
fn staleness_stays_within_the_check_interval() {
    let path = setup("stale");
    write_in_place(&path, 1);
    assert_eq!(version_of(stale_cfg()), 1);
    for version in 2..=4 {
        let written = Instant::now();
        write_renamed(&path, version);
        let visible = within(
            "waiting for the edit to show",
            DEADLOCK_TIMEOUT,
            move || {
                while version_of(stale_cfg()) != version {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Instant::now()
            },
        );
        let staleness = visible - written;
        // The bound is the interval plus a clock tick plus one reload; the margin is
        // for a noisy shared machine (a descheduled thread), not for the cache.
        assert!(
            staleness <= INTERVAL + Duration::from_millis(700),
            "seen after {staleness:?}"
        );
    }
    assert!(
        STALE_LOADS.load(SeqCst) <= 1 + 3 * 2,
        "a reload per change (plus a same-tick re-read at most)"
    );
}

counted_cache!(fresh_cfg, FRESH_LOADS, "fresh", Duration::ZERO);

/// A file read within the timestamp granularity (2 s) of its last change is read once
/// more after that, even with an equal fingerprint: a rewrite in the same tick would
/// have left every field equal.
#[test]
fn a_file_read_in_its_change_tick_is_read_once_more_when_the_tick_closes() {
    let path = setup("fresh");
    write_in_place(&path, 1);
    let changed = Fingerprint::of_path(&path).unwrap().changed_ns();
    let since_change = || {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        i128::try_from(now).unwrap() - changed
    };
    assert_eq!(version_of(fresh_cfg()), 1);
    assert!(
        since_change() < 1_500_000_000,
        "the load happened while the file was fresh"
    );
    while since_change() < 1_800_000_000 {
        assert_eq!(version_of(fresh_cfg()), 1);
        // The call ended inside the window, so its check did too: no re-read yet.
        if since_change() < 2_000_000_000 {
            assert_eq!(
                FRESH_LOADS.load(SeqCst),
                1,
                "no re-read before the tick has closed"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    while since_change() < 2_300_000_000 {
        std::thread::sleep(Duration::from_millis(20));
    }
    for _ in 0..100 {
        assert_eq!(version_of(fresh_cfg()), 1);
    }
    assert_eq!(
        FRESH_LOADS.load(SeqCst),
        2,
        "read exactly once more, then trusted"
    );
}

// ---------------------------------------------------------------------------------
// Arguments are expressions, evaluated when the cache looks at the file.

// singleton-audit: allow(a test's switch between two fixture paths)
static CURRENT: Mutex<Option<PathBuf>> = Mutex::new(None);

fn current_path() -> PathBuf {
    CURRENT
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_else(|| fixture("moving_a"))
}

#[invalidating_cache(path = current_path(), check_interval = Duration::from_millis(0))]
fn moving_cfg(path: &Path) -> Result<Versioned, LoadError> {
    parse(path)
}

#[test]
fn the_path_expression_is_evaluated_at_each_check() {
    let a = setup("moving_a");
    let b = setup("moving_b");
    write_in_place(&a, 1);
    write_in_place(&b, 2);
    assert_eq!(version_of(moving_cfg()), 1);
    *CURRENT.lock().unwrap() = Some(b);
    assert_eq!(
        version_of(moving_cfg()),
        2,
        "another file, another fingerprint"
    );
    assert_eq!(moving_cfg::cache().path(), fixture("moving_b"));
}

// ---------------------------------------------------------------------------------------
// Found in review: a FIFO at the path, a loader that needs its own cache, failures that
// do not come from the file, `reload` while others read, and an absent file.

/// Waits until a file written just now is past the same-tick window (2 s), so that only
/// the behaviour under test, not the same-tick re-read, can make the cache load it again.
fn settle(path: &Path) {
    assert!(path.exists());
    std::thread::sleep(Duration::from_millis(2100));
}

/// A loader that refuses anything but a regular file, as a careful loader would.
fn regular_files_only(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

fn fifo_path() -> PathBuf {
    setup("fifo")
}

static FIFO: InvalidatingCache<String, String> =
    InvalidatingCache::new(fifo_path, regular_files_only).with_check_interval(Duration::ZERO);

#[test]
fn a_fifo_in_place_of_the_file_neither_hangs_nor_blocks_the_loader() {
    let status = std::process::Command::new("mkfifo")
        .arg(fifo_path())
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo");
    let outcome = support::outcome_within("get on a FIFO", Duration::from_secs(5), || {
        FIFO.get().map(|v| (*v).clone())
    });
    let outcome = outcome.unwrap_or_else(|p| std::panic::resume_unwind(p));
    assert!(outcome.unwrap_err().contains("not a regular file"));
}

fn reentrant_path() -> PathBuf {
    setup("reentrant")
}

/// "Merge with the previous value": asks for its own cache while loading it.
fn merging_loader(path: &Path) -> Result<String, String> {
    let previous = REENTRANT.get().ok();
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    Ok(format!(
        "{text}{}",
        previous.map(|p| (*p).clone()).unwrap_or_default()
    ))
}

static REENTRANT: InvalidatingCache<String, String> =
    InvalidatingCache::new(reentrant_path, merging_loader).named("REENTRANT");

#[test]
fn a_loader_that_needs_its_own_cache_panics_instead_of_hanging() {
    std::fs::write(reentrant_path(), "x").unwrap();
    let message = support::expect_panic("reentrant load", || REENTRANT.get().is_ok());
    assert!(
        message.contains("asked for its own cache while loading it"),
        "{message}"
    );
    assert!(
        message.contains("invalidating cache `REENTRANT`"),
        "names the cache: {message}"
    );
}

fn transient_path() -> PathBuf {
    setup("transient")
}

static TRANSIENT_CALLS: AtomicUsize = AtomicUsize::new(0);

fn fails_once(path: &Path) -> Result<String, String> {
    if TRANSIENT_CALLS.fetch_add(1, SeqCst) == 0 {
        return Err("EMFILE: too many open files (transient)".into());
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

static TRANSIENT: InvalidatingCache<String, String> =
    InvalidatingCache::new(transient_path, fails_once).with_check_interval(Duration::ZERO);

#[test]
fn a_failed_first_load_is_retried_although_the_file_did_not_change() {
    std::fs::write(transient_path(), "ok").unwrap();
    settle(&transient_path());
    assert!(
        TRANSIENT.get().is_err(),
        "first load fails (not because of the file)"
    );
    // Unchanged file, strict mode: the failure stands for the retry floor (1 s), then
    // the file is loaded again.
    let value = poll_until("retry of a failed load", || TRANSIENT.get().ok());
    assert_eq!(*value, "ok");
    assert_eq!(
        TRANSIENT_CALLS.load(SeqCst),
        2,
        "one retry, not one per call"
    );
}

fn lost_path() -> PathBuf {
    setup("lost")
}

static LOST_FAIL_NEXT: AtomicUsize = AtomicUsize::new(0);

fn fails_when_told(path: &Path) -> Result<String, String> {
    if LOST_FAIL_NEXT.swap(0, SeqCst) == 1 {
        return Err("EIO (transient)".into());
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

static LOST: InvalidatingCache<String, String> =
    InvalidatingCache::new(lost_path, fails_when_told).with_check_interval(Duration::ZERO);

#[test]
fn a_change_whose_reload_failed_is_picked_up_later() {
    std::fs::write(lost_path(), "v1").unwrap();
    settle(&lost_path());
    assert_eq!(*LOST.get().unwrap(), "v1");
    std::fs::write(lost_path(), "v2").unwrap();
    settle(&lost_path());
    LOST_FAIL_NEXT.store(1, SeqCst);
    assert_eq!(
        *LOST.get().unwrap(),
        "v1",
        "the reload failed: last good value kept"
    );
    assert!(LOST.last_error().is_some());
    let seen = poll_until("v2 after a failed reload", || {
        Some(LOST.get().unwrap()).filter(|value| **value == "v2")
    });
    assert_eq!(*seen, "v2");
    assert!(LOST.last_error().is_none());
}

fn slow_path() -> PathBuf {
    setup("slow_reload")
}

fn slow_when_asked(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    if text.contains("slow") {
        std::thread::sleep(Duration::from_millis(1500));
    }
    Ok(text)
}

static SLOW: InvalidatingCache<String, String> = InvalidatingCache::new(slow_path, slow_when_asked);

#[test]
fn readers_get_the_previous_value_while_reload_runs() {
    std::fs::write(slow_path(), "v1").unwrap();
    assert_eq!(*SLOW.get().unwrap(), "v1");
    std::fs::write(slow_path(), "v2 slow").unwrap();
    let reloader = std::thread::spawn(|| SLOW.reload().map(|v| (*v).clone()));
    std::thread::sleep(Duration::from_millis(300)); // the reload is now in its loader
    let start = Instant::now();
    let value = SLOW.get().unwrap();
    let waited = start.elapsed();
    assert_eq!(
        reloader.join().unwrap().unwrap(),
        "v2 slow",
        "reload returns its own load"
    );
    assert_eq!(*value, "v1", "the previous value, served meanwhile");
    assert!(
        waited < Duration::from_millis(1000),
        "get() waited {waited:?} behind reload()"
    );
    assert_eq!(*SLOW.get().unwrap(), "v2 slow");
}

fn absent_path() -> PathBuf {
    setup("absent").with_file_name("never-created.txt")
}

static ABSENT_LOADS: AtomicUsize = AtomicUsize::new(0);

fn counting_loader(path: &Path) -> Result<String, String> {
    ABSENT_LOADS.fetch_add(1, SeqCst);
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// The default interval, 1 s.
static ABSENT: InvalidatingCache<String, String> =
    InvalidatingCache::new(absent_path, counting_loader);

#[test]
fn an_absent_file_is_checked_once_per_interval_not_on_every_call() {
    let start = Instant::now();
    let mut calls = 0_u32;
    while start.elapsed() < Duration::from_millis(500) {
        assert!(ABSENT.get().is_err());
        calls += 1;
    }
    let loads = ABSENT_LOADS.load(SeqCst);
    assert!(
        loads <= 2,
        "{loads} loads in 0.5 s ({calls} calls) with a 1 s check interval"
    );
}

// Issue 7, runtime faults: a `path` expression that reads its own cache. Building the
// re-entrancy message used to evaluate `path` again, which read the cache again, ...:
// a stack overflow, which aborts the whole process (SIGABRT, exit 134) and cannot be
// caught. So the scenario runs in a child process (this test binary, re-run on this one
// test with `CHILD_SCENARIO` set), and the parent checks how the child ended.

/// Set in the child process: run the scenario instead of spawning.
const CHILD_SCENARIO: &str = "SINGLETON_TESTS_CACHE_CHILD_SCENARIO";

#[invalidating_cache(path = path_needing_its_own_cache())]
fn self_located(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// A mistake a user can make: the file's location depends on the cache's own value.
fn path_needing_its_own_cache() -> PathBuf {
    let dir = self_located().map_or_else(|_| "default".to_owned(), |v| (*v).clone());
    setup("self_located").with_file_name(dir)
}

/// Runs the named test of this binary in a child process with `CHILD_SCENARIO` set and
/// returns its exit status and stderr; kills it and fails after [`DEADLOCK_TIMEOUT`].
fn run_in_child(test: &str) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_SCENARIO, "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("re-run this test binary");
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut output = String::new();
        let _ = stderr.read_to_string(&mut output);
        output
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLOCK_TIMEOUT {
            let _ = child.kill();
            panic!("deadlock: the child running `{test}` did not end");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status, reader.join().unwrap())
}

#[test]
fn a_path_expression_that_reads_its_own_cache_panics_naming_it() {
    if std::env::var_os(CHILD_SCENARIO).is_some() {
        // The child: must panic (failing this test in the child), not abort.
        let _ = self_located();
        return;
    }
    let (status, stderr) =
        run_in_child("a_path_expression_that_reads_its_own_cache_panics_naming_it");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            None,
            "the child was killed by a signal (stack overflow?): {status}\n{stderr}"
        );
    }
    // 101: libtest's exit code for a failed test, i.e. the scenario panicked normally.
    assert_eq!(status.code(), Some(101), "{status}\n{stderr}");
    assert!(
        stderr.contains("invalidating cache `self_located`")
            && stderr.contains("asked for its own cache"),
        "a panic that names the cache: {stderr}"
    );
    assert!(!stderr.contains("overflow"), "{stderr}");
}
