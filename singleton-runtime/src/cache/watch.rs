//! Push detection (feature `watch`): a `notify` watcher (inotify, kqueue, FSEvents) on
//! the directory of the file, and on the directory of the file a symlink leads to,
//! started on the cache's first check, never before: a cache nobody uses has no watch
//! and no thread (a started watch has two: the watcher's, and one that runs the
//! checks). An event there makes that thread check the file at once; the fingerprint
//! still decides whether it changed (an event about a neighbour costs one `stat`). A
//! context loader's files are followed: the directory of each file a load read is
//! watched from then on. The check interval stays the fallback when events are lost, the
//! directory cannot be watched, or the platform has no watcher.
//!
//! Watching the directory, not the file, is what sees a rename-over save (the watched
//! inode would be the old file) and a Kubernetes ConfigMap update (its `..data`
//! symlink is swapped next to the file).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use super::InvalidatingCache;
use super::reentry::{Entered, Running};
use crate::sync::Mutex;

// The cache's `unsafe impl Sync` relies on the watcher being `Send` (behind a `Mutex`).
const _: fn() = || {
    fn send<W: Send>() {}
    send::<RecommendedWatcher>();
};

/// The watcher of one cache, once started: kept for the life of the process (caches
/// are `static`), or the reason it could not start.
#[derive(Debug)]
pub(crate) struct Watcher(OnceLock<Result<Mutex<Watching>, String>>);

/// A running watcher and the directories it watches.
#[derive(Debug)]
struct Watching {
    watcher: RecommendedWatcher,
    dirs: Vec<PathBuf>,
    /// Asks the checking thread for a check, as an event does.
    recheck: std::sync::mpsc::Sender<()>,
}

impl Watching {
    /// Watches the directories of `file` not watched yet. A directory that cannot be
    /// watched (not there yet) is left to the check interval, and tried again at the
    /// next check. A new watch is followed by a check: a change made between the load
    /// that read the file and the watch sent no event.
    fn follow(&mut self, file: &Path) {
        for dir in directories(file) {
            if !self.dirs.contains(&dir)
                && self
                    .watcher
                    .watch(&dir, RecursiveMode::NonRecursive)
                    .is_ok()
            {
                self.dirs.push(dir);
                let _ = self.recheck.send(());
            }
        }
    }
}

impl Watcher {
    pub(crate) const fn new() -> Self {
        Self(OnceLock::new())
    }

    pub(crate) fn started(&self) -> bool {
        matches!(self.0.get(), Some(Ok(_)))
    }

    /// After a load: also watch the directories of every file it read (includes of a
    /// context loader).
    pub(crate) fn follow(&self, files: &[PathBuf]) {
        if let Some(Ok(watching)) = self.0.get() {
            let mut watching = watching.lock();
            for file in files {
                watching.follow(file);
            }
        }
    }
}

/// Whether `event` may mean the file changed: anything but reading (the cache's own
/// loads open and read the file).
fn relevant(event: &Event) -> bool {
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The directories to watch for `path`: its own, and that of the file it resolves to
/// through symlinks.
fn directories(path: &Path) -> Vec<PathBuf> {
    let parent = |p: &Path| match p.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut dirs = vec![parent(path)];
    if let Ok(real) = std::fs::canonicalize(path) {
        let real_dir = parent(&real);
        if std::fs::canonicalize(&dirs[0]).ok().as_ref() != Some(&real_dir) {
            dirs.push(real_dir);
        }
    }
    dirs
}

fn start<T: Send + Sync + 'static, E: Send + Sync + 'static>(
    cache: &'static InvalidatingCache<T, E>,
) -> Result<Mutex<Watching>, String> {
    // Checks run on a thread of their own, not on the watcher's: a slow loader must not
    // hold up the events of other caches, and a check that finds a new include adds a
    // watch, which the watcher's own thread cannot do from inside its callback (it
    // would wait for itself). Events that arrive during a check are folded into one.
    let (events, checks) = std::sync::mpsc::channel::<()>();
    let recheck = events.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        // An error event (an overflowed queue) may have lost a change: check too.
        if event.as_ref().map_or(true, relevant) {
            let _ = events.send(());
        }
    })
    .map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name(format!(
            "singleton-watch {}",
            cache.core.name().unwrap_or("cache")
        ))
        .spawn(move || {
            while checks.recv().is_ok() {
                while checks.try_recv().is_ok() {}
                // A panic in the loader must not end the watch (the cache stays
                // consistent: a panicking load stores nothing).
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cache.on_change();
                }));
            }
        })
        .map_err(|e| e.to_string())?;
    let dirs = directories(&cache.path());
    for dir in &dirs {
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(Mutex::new(Watching {
        watcher,
        dirs,
        recheck,
    }))
}

impl<T: Send + Sync + 'static, E: Send + Sync + 'static> InvalidatingCache<T, E> {
    /// Starts watching the file's directory (feature `watch`), if not already
    /// watched: from then on a change is picked up within milliseconds of the event,
    /// without any caller, by a thread of the cache's that checks the file (the
    /// fingerprint decides) and reloads it. The check interval stays the fallback.
    /// Called on the first check of a cache built with [`watched`](Self::watched) or
    /// `#[invalidating_cache(watch = true)]`.
    ///
    /// # Errors
    ///
    /// Why the watch could not start (a missing directory, the inotify watch limit);
    /// the cache then relies on the check interval. A watch that failed is not
    /// retried.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn path() -> std::path::PathBuf { std::env::temp_dir().join(format!("watch-doc-{}", std::process::id())) }
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static TEXT: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(path, |p| std::fs::read_to_string(p));
    ///
    /// std::fs::write(path(), "one")?;
    /// TEXT.watch()?;
    /// assert_eq!(*TEXT.get()?, "one");
    /// # std::fs::remove_file(path())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn watch(&'static self) -> io::Result<()> {
        let outcome = |started: &Result<_, String>| match started {
            Ok(_) => Ok(()),
            Err(message) => Err(io::Error::other(message.clone())),
        };
        // Every check calls this: once started, nothing more to do.
        if let Some(started) = self.watcher.0.get() {
            return outcome(started);
        }
        // Starting evaluates the `path` expression, user code that may ask for this
        // cache again, and so start it again, from inside the `OnceLock`'s initialiser:
        // that would wait for itself. Refused here instead, so that the call goes on to
        // the single flight, which panics naming the cache.
        let key = std::ptr::from_ref(self).addr();
        let Some(_starting) = Entered::enter(key, Running::WatchStart) else {
            return Err(io::Error::other(
                "the watcher is being started on this thread",
            ));
        };
        let started = outcome(self.watcher.0.get_or_init(|| start(self)));
        // A context loader may have read files in other directories before.
        self.watcher.follow(&self.files());
        started
    }

    /// Whether a watcher is running for this cache.
    ///
    /// # Examples
    ///
    /// ```
    /// # use singleton_runtime::InvalidatingCache;
    /// static NEVER_USED: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/etc/hosts".into(), |p| std::fs::read_to_string(p))
    ///         .watched(|| { let _ = NEVER_USED.watch(); });
    /// assert!(!NEVER_USED.is_watching(), "started on first use, not before");
    /// ```
    pub fn is_watching(&self) -> bool {
        self.watcher.started()
    }

    /// An event in a watched directory: check the file now.
    fn on_change(&self) {
        self.core.expire();
        let _ = self.get();
    }
}

impl<T, E> InvalidatingCache<T, E> {
    /// Makes the cache call `start` on its first check: the way to start
    /// [`watch`](Self::watch)ing lazily, so that a cache never used watches nothing.
    /// (`#[invalidating_cache(watch = true)]` does this.)
    ///
    /// # Examples
    ///
    /// ```
    /// use singleton_runtime::InvalidatingCache;
    ///
    /// static HOSTS: InvalidatingCache<String, std::io::Error> =
    ///     InvalidatingCache::new(|| "/etc/hosts".into(), |p| std::fs::read_to_string(p))
    ///         .watched(|| { let _ = HOSTS.watch(); });
    /// ```
    #[must_use]
    pub const fn watched(mut self, start: fn()) -> Self {
        self.watch = Some(start);
        self
    }
}
