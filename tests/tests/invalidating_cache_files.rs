//! `#[invalidating_cache]` over several files: a loader that reads through a
//! `LoadContext` (a base file, an optional override beside it, `include` lines),
//! against real files. A change to any file read reloads; a broken or deleted include
//! keeps the last good value whole; an include added by an edit is tracked from then
//! on. Every cache is strict (`check_interval = 0`), so each call checks.

// `Duration::from_mins`/`from_hours` are newer than the workspace's MSRV (1.85).
#![allow(clippy::duration_suboptimal_units)]

mod support;

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use singleton_runtime::{LoadContext, invalidating_cache};

type Settings = BTreeMap<String, String>;

/// `<temp dir>/<name>/base.conf`.
fn base(name: &str) -> PathBuf {
    support::temp_root().join(name).join("base.conf")
}

/// Long enough for the kernel's timestamp clock to move on, so that a rewrite of the
/// same size is seen at once (otherwise only once the same-tick window has closed).
fn next_tick() {
    std::thread::sleep(Duration::from_millis(30));
}

fn write(path: &Path, text: &str) {
    next_tick();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn rename_over(path: &Path, text: &str) {
    next_tick();
    support::save_by_rename(path, text);
}

/// `key=value` lines and `include <file>` lines (relative to the including file).
fn read_into(ctx: &mut LoadContext, path: &Path, settings: &mut Settings) -> Result<(), String> {
    let text = ctx
        .read_to_string(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    for line in text.lines() {
        if let Some(include) = line.strip_prefix("include ") {
            read_into(ctx, &path.with_file_name(include), settings)?;
        } else if let Some((key, value)) = line.split_once('=') {
            settings.insert(key.to_owned(), value.to_owned());
        } else if !line.is_empty() {
            return Err(format!("{}: bad line {line:?}", path.display()));
        }
    }
    Ok(())
}

/// The base file, its includes, then `override.conf` beside it if there is one.
fn load_settings(ctx: &mut LoadContext, loads: &AtomicU64) -> Result<Settings, String> {
    let base = ctx.path().to_owned();
    let mut settings = Settings::new();
    read_into(ctx, &base, &mut settings)?;
    let overrides = base.with_file_name("override.conf");
    match ctx.read_to_string(&overrides) {
        Ok(_) => read_into(ctx, &overrides, &mut settings)?,
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e.to_string()),
    }
    loads.fetch_add(1, SeqCst);
    Ok(settings)
}

macro_rules! settings_cache {
    ($name:ident, $loads:ident, $dir:literal) => {
        static $loads: AtomicU64 = AtomicU64::new(0);

        #[invalidating_cache(path = base($dir), check_interval = Duration::ZERO)]
        fn $name(ctx: &mut LoadContext) -> Result<Settings, String> {
            load_settings(ctx, &$loads)
        }
    };
}

fn get(settings: &Settings, key: &str) -> Option<String> {
    settings.get(key).cloned()
}

settings_cache!(layered, LAYERED_LOADS, "layered");

#[test]
fn base_and_override_a_change_to_either_reloads() {
    let base = base("layered");
    write(&base, "a=1\nb=1\n");
    let cfg = layered().unwrap();
    assert_eq!(
        (get(&cfg, "a"), get(&cfg, "b")),
        (Some("1".into()), Some("1".into()))
    );
    let overrides = base.with_file_name("override.conf");
    assert_eq!(
        layered::cache().files(),
        vec![base.clone(), overrides.clone()]
    );

    write(&overrides, "b=2\n"); // an absent file that appears
    assert_eq!(get(&layered().unwrap(), "b").as_deref(), Some("2"));
    write(&overrides, "b=33\n");
    assert_eq!(get(&layered().unwrap(), "b").as_deref(), Some("33"));
    write(&base, "a=4\nb=1\n");
    let cfg = layered().unwrap();
    assert_eq!(
        (get(&cfg, "a").as_deref(), get(&cfg, "b").as_deref()),
        (Some("4"), Some("33"))
    );
    next_tick();
    std::fs::remove_file(&overrides).unwrap();
    assert_eq!(get(&layered().unwrap(), "b").as_deref(), Some("1"));

    // Nothing changed: no load.
    let loads = LAYERED_LOADS.load(SeqCst);
    for _ in 0..5 {
        layered().unwrap();
    }
    assert_eq!(LAYERED_LOADS.load(SeqCst), loads);
    assert_eq!(loads, 5);
}

settings_cache!(discovered, DISCOVERED_LOADS, "discovered");

#[test]
fn an_include_added_by_an_edit_is_tracked_from_then_on() {
    let base = base("discovered");
    let include = base.with_file_name("extra.conf");
    write(&base, "a=1\n");
    write(&include, "c=1\n");
    assert_eq!(get(&discovered().unwrap(), "c"), None);
    // Not read, so not tracked: editing it reloads nothing.
    write(&include, "c=22\n");
    discovered().unwrap();
    assert_eq!(DISCOVERED_LOADS.load(SeqCst), 1);

    write(&base, "a=1\ninclude extra.conf\n");
    assert_eq!(get(&discovered().unwrap(), "c").as_deref(), Some("22"));
    assert!(discovered::cache().files().contains(&include));
    write(&include, "c=333\n");
    assert_eq!(get(&discovered().unwrap(), "c").as_deref(), Some("333"));
    assert_eq!(DISCOVERED_LOADS.load(SeqCst), 3);
}

settings_cache!(dropped, DROPPED_LOADS, "dropped");

#[test]
fn a_deleted_or_broken_include_keeps_the_whole_last_good_value() {
    let base = base("dropped");
    let include = base.with_file_name("inc.conf");
    write(&include, "c=1\n");
    write(&base, "a=1\ninclude inc.conf\n");
    let first = dropped().unwrap();
    assert_eq!(
        (get(&first, "a").as_deref(), get(&first, "c").as_deref()),
        (Some("1"), Some("1"))
    );

    next_tick();
    std::fs::remove_file(&include).unwrap();
    let kept = dropped().unwrap();
    assert!(
        singleton_runtime::CacheRef::ptr_eq(&kept, &first),
        "the whole last good value"
    );
    assert!(dropped::last_error().unwrap().contains("inc.conf"));

    // Both files edited, the include broken: neither edit is served.
    write(&base, "a=2\ninclude inc.conf\n");
    write(&include, "c=2\nnot a setting\n");
    let kept = dropped().unwrap();
    assert_eq!(
        (get(&kept, "a").as_deref(), get(&kept, "c").as_deref()),
        (Some("1"), Some("1"))
    );
    assert!(dropped::last_error().unwrap().contains("bad line"));

    write(&include, "c=3\n");
    let fixed = dropped().unwrap();
    assert_eq!(
        (get(&fixed, "a").as_deref(), get(&fixed, "c").as_deref()),
        (Some("2"), Some("3"))
    );
    assert!(dropped::last_error().is_none());
    assert_eq!(dropped::generation(), 2);
}

settings_cache!(renamed, RENAMED_LOADS, "renamed");

#[test]
fn a_rename_over_save_of_one_include_reloads() {
    let base = base("renamed");
    let include = base.with_file_name("inc.conf");
    write(&include, "c=1\n");
    write(&base, "a=1\ninclude inc.conf\n");
    assert_eq!(get(&renamed().unwrap(), "c").as_deref(), Some("1"));
    rename_over(&include, "c=2\n"); // same size: the inode tells
    assert_eq!(get(&renamed().unwrap(), "c").as_deref(), Some("2"));
    assert_eq!(RENAMED_LOADS.load(SeqCst), 2);
    assert_eq!(renamed::generation(), 2);
}

static WATCHED_LOADS: AtomicU64 = AtomicU64::new(0);

#[invalidating_cache(path = base("watched"), check_interval = Duration::from_secs(3600), watch = true)]
fn watched(ctx: &mut LoadContext) -> Result<Settings, String> {
    load_settings(ctx, &WATCHED_LOADS)
}

/// With `watch = true`, an include in another directory, added by an edit, is watched
/// too: its edits are picked up with nobody calling the cache (the interval is an hour).
#[test]
fn with_watch_an_include_in_another_directory_is_watched_once_read() {
    let base = base("watched");
    let include = base.parent().unwrap().join("conf.d").join("extra.conf");
    write(&include, "c=1\n");
    write(&base, "a=1\n");
    assert_eq!(get(&watched().unwrap(), "c"), None);
    let peek = |key: &'static str| move || watched::cache().peek().and_then(|s| get(&s, key));

    write(&base, "a=1\ninclude conf.d/extra.conf\n");
    let c = peek("c");
    support::poll_until("the edit of the base", move || {
        (c() == Some("1".into())).then_some(())
    });
    write(&include, "c=2\n");
    let c = peek("c");
    support::poll_until("the edit of the include", move || {
        (c() == Some("2".into())).then_some(())
    });
}
