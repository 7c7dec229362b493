//! Caches of several files: the loader reads every file through a [`LoadContext`],
//! which fingerprints each one, so a change to any of them reloads the whole value
//! (all or nothing: a load that fails, for any file, keeps the last good value).
//! Includes the loader discovers while parsing are tracked the same way, and a file it
//! looked for and did not find is tracked as absent (creating it reloads).
//!
//! Each read opens the file, `fstat`s the descriptor, reads from that descriptor and
//! `fstat`s it again, so the fingerprint belongs to the bytes read; after the loader
//! returns, every path is `stat`ed again, and the load is repeated (up to
//! [`LOAD_TRIES`]) if one was replaced or changed meanwhile.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::fingerprint::{Fingerprint, Seen, since_epoch_ns};
use super::flight::{Loaded, Source};
use super::source::{FileSource, LOAD_TRIES, open_to_fstat};

/// What one load learnt about its sources: the file of a `&Path` loader, or every file
/// a context loader read.
#[derive(Clone, Debug)]
pub(crate) enum Observed {
    One(Seen),
    Files(Arc<[Tracked]>),
}

/// One file a context loader read (or looked for).
#[derive(Clone, Debug)]
pub(crate) struct Tracked {
    pub(crate) path: PathBuf,
    state: FileState,
}

#[derive(Clone, Copy, Debug)]
enum FileState {
    Read(Seen),
    Absent,
}

impl Tracked {
    /// The fingerprint of the version read, if it was read and pinned down.
    pub(crate) fn fingerprint(&self) -> Option<Fingerprint> {
        match self.state {
            FileState::Read(seen) => seen.fingerprint,
            FileState::Absent => None,
        }
    }

    fn still_current(&self, now_ns: i128) -> bool {
        let probe = Fingerprint::of_path(&self.path);
        match self.state {
            FileState::Read(seen) => seen.still_current(probe.ok(), now_ns),
            FileState::Absent => probe.is_err_and(|e| e.kind() == io::ErrorKind::NotFound),
        }
    }

    /// Whether the path still names what was read (a replacement while loading).
    fn unchanged_since_read(&self) -> bool {
        let probe = Fingerprint::of_path(&self.path);
        match self.state {
            FileState::Read(seen) => seen.fingerprint.is_some() && probe.ok() == seen.fingerprint,
            FileState::Absent => probe.is_err_and(|e| e.kind() == io::ErrorKind::NotFound),
        }
    }
}

/// What a context loader reads its files through: each file read is fingerprinted,
/// and a change to any of them reloads the value.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use singleton_runtime::{InvalidatingCache, LoadContext};
///
/// # fn dir() -> std::path::PathBuf { std::env::temp_dir().join(format!("context-doc-{}", std::process::id())) }
/// fn base() -> std::path::PathBuf { dir().join("base.conf") }
///
/// /// `base.conf`, then `override.conf` next to it if there is one.
/// fn load(ctx: &mut LoadContext) -> Result<String, std::io::Error> {
///     let mut text = ctx.read_to_string(ctx.path().to_owned())?;
///     let overrides = ctx.path().with_file_name("override.conf");
///     match ctx.read_to_string(overrides) {
///         Ok(more) => text.push_str(&more),
///         Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
///         Err(e) => return Err(e),
///     }
///     Ok(text)
/// }
///
/// static CONFIG: InvalidatingCache<String, std::io::Error> =
///     InvalidatingCache::with_context(base, load).with_check_interval(std::time::Duration::ZERO);
///
/// std::fs::create_dir_all(dir())?;
/// std::fs::write(base(), "a")?;
/// assert_eq!(*CONFIG.get()?, "a");
/// std::fs::write(dir().join("override.conf"), "b")?; // an absent file is tracked too
/// assert_eq!(*CONFIG.get()?, "ab");
/// assert_eq!(CONFIG.files().len(), 2);
/// # std::fs::remove_dir_all(dir())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LoadContext {
    path: PathBuf,
    files: Vec<Tracked>,
    /// A file changed while it was read, or could not be pinned down.
    unsettled: bool,
}

impl LoadContext {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            files: Vec::new(),
            unsettled: false,
        }
    }

    /// The cache's path (`path = ...`): the main file, which the loader reads like any
    /// other (with [`read_to_string`](Self::read_to_string)).
    ///
    /// # Examples
    ///
    /// See [`LoadContext`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the whole file at `path`, and tracks it: a later change to it reloads the
    /// value. A file that is not there is tracked as absent: creating it reloads.
    ///
    /// # Errors
    ///
    /// The error of opening or reading the file.
    ///
    /// # Examples
    ///
    /// See [`LoadContext`].
    pub fn read(&mut self, path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
        let path = path.as_ref();
        // Taken before reading, as for a single file (see `source.rs`).
        let read_at = since_epoch_ns(SystemTime::now());
        let mut file = match open_to_fstat(path) {
            Ok(file) => file,
            Err(error) => {
                let state = if error.kind() == io::ErrorKind::NotFound {
                    FileState::Absent
                } else {
                    // Not readable: still pin down which file it was.
                    FileState::Read(Seen::new(Fingerprint::of_path(path).ok(), read_at))
                };
                self.track(path, state);
                return Err(error);
            }
        };
        let before = Fingerprint::of_file(&file).ok();
        let mut bytes = Vec::new();
        let result = file.read_to_end(&mut bytes);
        let after = Fingerprint::of_file(&file).ok();
        if before.is_none() || before != after {
            self.unsettled = true;
        }
        self.track(path, FileState::Read(Seen::new(before, read_at)));
        result.map(|_| bytes)
    }

    /// [`read`](Self::read) as UTF-8 text.
    ///
    /// # Errors
    ///
    /// The error of opening or reading the file; `InvalidData` if it is not UTF-8.
    ///
    /// # Examples
    ///
    /// See [`LoadContext`].
    pub fn read_to_string(&mut self, path: impl AsRef<Path>) -> io::Result<String> {
        let bytes = self.read(path)?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn track(&mut self, path: &Path, state: FileState) {
        let tracked = Tracked {
            path: path.to_path_buf(),
            state,
        };
        match self.files.iter_mut().find(|t| t.path == path) {
            Some(known) => *known = tracked,
            None => self.files.push(tracked),
        }
    }
}

/// The main path and a context loader.
pub(crate) struct ContextSource<T, E> {
    pub(crate) path: PathBuf,
    pub(crate) load: fn(&mut LoadContext) -> Result<T, E>,
}

impl<T, E> ContextSource<T, E> {
    fn still_current(files: &[Tracked]) -> bool {
        let now = since_epoch_ns(SystemTime::now());
        files.iter().all(|file| file.still_current(now))
    }

    fn load(&self) -> Loaded<T, E, Observed> {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut ctx = LoadContext::new(self.path.clone());
            let result = (self.load)(&mut ctx);
            let settled = !ctx.unsettled && ctx.files.iter().all(Tracked::unchanged_since_read);
            if settled || tries == LOAD_TRIES {
                if !settled {
                    // Never trusted: the next check loads again.
                    for file in &mut ctx.files {
                        if let FileState::Read(seen) = &mut file.state {
                            seen.fingerprint = None;
                        }
                    }
                }
                return Loaded {
                    result,
                    seen: Observed::Files(ctx.files.into()),
                    at: SystemTime::now(),
                };
            }
        }
    }
}

/// The source of a cache: one file read by a `&Path` loader, or the files a context
/// loader reads.
pub(crate) enum AnySource<T, E> {
    File(FileSource<T, E>),
    Context(ContextSource<T, E>),
}

impl<T, E> Source<T, E, Observed> for AnySource<T, E> {
    fn still_current(&self, seen: &Observed) -> bool {
        match (self, seen) {
            (Self::File(file), Observed::One(seen)) => file.still_current(seen),
            (Self::Context(_), Observed::Files(files)) => {
                ContextSource::<T, E>::still_current(files)
            }
            _ => false,
        }
    }

    fn load(&self) -> Loaded<T, E, Observed> {
        match self {
            Self::File(file) => {
                let loaded = file.load();
                Loaded {
                    result: loaded.result,
                    seen: Observed::One(loaded.seen),
                    at: loaded.at,
                }
            }
            Self::Context(context) => context.load(),
        }
    }
}
