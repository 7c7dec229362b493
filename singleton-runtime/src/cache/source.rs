//! The file side of a cache: checking a fingerprint, and loading with the
//! fingerprint bound to the bytes the loader read.
//!
//! The loader takes a `&Path` and opens the file itself, so the cache cannot fstat the
//! descriptor the loader reads from. Instead it brackets the load:
//!
//! 1. note the wall time, open the path (following symlinks) and fstat the descriptor:
//!    `before`. The descriptor stays open until step 3, so the inode it names cannot
//!    be freed and handed to a new file meanwhile: an equal (device, inode) later
//!    really is the same file;
//! 2. run the loader on the path;
//! 3. stat the path again (following symlinks): `after`.
//!
//! If `before == after`, nothing replaced or changed the file while the loader read it
//! (every write changes ctime, and a write inside the same timestamp tick is covered by
//! the re-read after the tick closes; see `Fingerprint::settles_at`), so the value is
//! recorded with that fingerprint. If they differ, the loader may have read either
//! version, so the load is repeated, up to [`LOAD_TRIES`] times; a file that never holds
//! still is recorded with no fingerprint, which the next check treats as changed.
//!
//! Not detected: the path swapped to another file and back to the very same unchanged
//! inode while one load runs (A -> B -> A between steps 1 and 3); the loader may then
//! have read B. Handing the loader `/proc/self/fd/N` would close that gap on Linux, at
//! the price of every loader error naming `/proc/self/fd/N` instead of the user's path.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::fingerprint::{Fingerprint, Seen, since_epoch_ns};
use super::flight::{Loaded, Source};

/// Loads attempted before accepting a value read while the file kept changing.
pub(crate) const LOAD_TRIES: usize = 3;

/// A file and the loader that reads it.
pub(crate) struct FileSource<T, E> {
    pub(crate) path: PathBuf,
    pub(crate) load: fn(&Path) -> Result<T, E>,
}

impl<T, E> Source<T, E, Seen> for FileSource<T, E> {
    fn still_current(&self, seen: &Seen) -> bool {
        let probe = Fingerprint::of_path(&self.path).ok();
        seen.still_current(probe, since_epoch_ns(SystemTime::now()))
    }

    fn load(&self) -> Loaded<T, E, Seen> {
        let mut tries = 0;
        loop {
            tries += 1;
            // Taken before the loader reads: "was the file fresh when read?" must not
            // be answered with a time after the read.
            let read_at = since_epoch_ns(SystemTime::now());
            let opened = open_to_fstat(&self.path);
            let before = match &opened {
                Ok(file) => Fingerprint::of_file(file).ok(),
                // Not readable (permissions): still pin down which file it was, so an
                // unchanged unreadable file is not re-read on every check.
                Err(_) => Fingerprint::of_path(&self.path).ok(),
            };
            let result = (self.load)(&self.path);
            let after = Fingerprint::of_path(&self.path).ok();
            drop(opened);
            let settled = before == after;
            if settled || tries == LOAD_TRIES {
                let fingerprint = if settled { before } else { None };
                return Loaded {
                    result,
                    seen: Seen::new(fingerprint, read_at),
                    at: SystemTime::now(),
                };
            }
        }
    }
}

/// Opens `path` only to fstat it, without side effects: never blocks (a FIFO would wait
/// for a writer before the loader even ran, and hold the single flight forever) and
/// never makes a terminal the process's controlling terminal. Elsewhere than Linux (and
/// under Miri), a path that is not a regular file is not opened at all (its fingerprint
/// then comes from `stat`).
pub(crate) fn open_to_fstat(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(miri)))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    // Miri does not emulate those flags: it takes the portable guard.
    #[cfg(any(not(any(target_os = "linux", target_os = "android")), miri))]
    if !std::fs::metadata(path)?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    options.open(path)
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    /// A loader that replaces the file while it reads it, the first two times.
    fn racing_loader(path: &Path) -> Result<String, std::io::Error> {
        let text = std::fs::read_to_string(path)?;
        if CALLS.fetch_add(1, Ordering::SeqCst) < 2 {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, format!("{text}+"))?;
            std::fs::rename(&tmp, path)?;
        }
        Ok(text)
    }

    #[test]
    fn a_file_replaced_during_the_load_is_loaded_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        std::fs::write(&path, "v").unwrap();
        let source = FileSource {
            path: path.clone(),
            load: racing_loader,
        };
        let loaded = source.load();
        assert_eq!(CALLS.load(Ordering::SeqCst), 3);
        assert_eq!(
            loaded.result.unwrap(),
            "v++",
            "the bytes of the version that held still"
        );
        assert_eq!(
            loaded.seen.fingerprint,
            Some(Fingerprint::of_path(&path).unwrap())
        );
        assert!(source.still_current(&loaded.seen) || loaded.seen.settles_at.is_some());
    }

    #[test]
    fn a_missing_file_is_seen_as_no_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let source = FileSource {
            path: dir.path().join("absent"),
            load: |p| std::fs::read_to_string(p),
        };
        let loaded = source.load();
        assert_eq!(
            loaded.result.unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
        assert_eq!(loaded.seen.fingerprint, None);
        assert!(
            !source.still_current(&loaded.seen),
            "never trusted: checked again next time"
        );
    }
}
