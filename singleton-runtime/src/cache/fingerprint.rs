//! What "the file changed" means: a [`Fingerprint`] of the file's identity and
//! timestamps, and the rule for files read in the same timestamp tick as a write.

use std::fs::{File, Metadata};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The coarsest timestamp granularity a cache must allow for: FAT records times in
/// 2-second steps; ext3 and HFS+ in 1-second steps; ext4, XFS, btrfs and tmpfs in
/// kernel clock ticks. A file whose change time is this close to the moment it was
/// read may still be rewritten without its fingerprint changing.
pub(crate) const TIMESTAMP_GRANULARITY: Duration = Duration::from_secs(2);

/// The identity and timestamps of one version of a file: (device, inode, size,
/// modification time, status-change time), all to the nanosecond.
///
/// Two fingerprints are compared with `!=`, never `>`: a restored backup or a clock
/// step may move a timestamp backwards, and that is a change too. Each field catches a
/// way of replacing a file that the others miss:
///
/// - device and inode change on a rename-over save, on delete-then-recreate, and when a
///   symlink (a Kubernetes ConfigMap's `..data`) is swapped to point at another file;
/// - size changes on most edits;
/// - mtime changes on every write, unless a tool restores it;
/// - ctime is set by the kernel on every write, rename, `chmod` and `utime`, and cannot
///   be set back by user code, so a same-size rewrite whose mtime was restored is
///   still seen.
///
/// # Examples
///
/// ```
/// use singleton_runtime::Fingerprint;
///
/// let dir = std::env::temp_dir().join(format!("fingerprint-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("app.toml");
/// std::fs::write(&path, "port = 80\n")?;
/// let before = Fingerprint::of_path(&path)?;
///
/// // A rename-over save: a new file (a new inode) takes the old one's name.
/// std::fs::write(dir.join("app.toml.tmp"), "port = 81\n")?;
/// std::fs::rename(dir.join("app.toml.tmp"), &path)?;
/// assert_ne!(Fingerprint::of_path(&path)?, before);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    device: u64,
    inode: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Fingerprint {
    /// The fingerprint of an open file (`fstat`), so that it describes exactly the
    /// file behind the descriptor, whatever has happened to its path since.
    ///
    /// # Errors
    ///
    /// The error of `fstat`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("fp-of-file-{}", std::process::id()));
    /// # std::fs::write(&path, "x")?;
    /// let file = std::fs::File::open(&path)?;
    /// let fingerprint = singleton_runtime::Fingerprint::of_file(&file)?;
    /// assert_eq!(fingerprint.size(), 1);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn of_file(file: &File) -> io::Result<Self> {
        file.metadata().map(|m| Self::of_metadata(&m))
    }

    /// The fingerprint of the file `path` names now, following symlinks (`stat`).
    ///
    /// # Errors
    ///
    /// The error of `stat`: the file is missing, a path component is not a directory
    /// or cannot be searched, or a symlink dangles.
    ///
    /// # Examples
    ///
    /// ```
    /// let missing = std::env::temp_dir().join("surely/not/here.toml");
    /// assert!(singleton_runtime::Fingerprint::of_path(&missing).is_err());
    /// ```
    pub fn of_path(path: &Path) -> io::Result<Self> {
        std::fs::metadata(path).map(|m| Self::of_metadata(&m))
    }

    #[cfg(unix)]
    fn of_metadata(m: &Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        Self {
            device: m.dev(),
            inode: m.ino(),
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        }
    }

    /// Without device and inode numbers, identity falls back to the creation time,
    /// which also changes when a file is replaced.
    #[cfg(not(unix))]
    fn of_metadata(m: &Metadata) -> Self {
        let ns = |t: io::Result<SystemTime>| t.map_or(0, |t| since_epoch_ns(t));
        Self {
            device: 0,
            inode: 0,
            size: m.len(),
            mtime_ns: ns(m.modified()),
            ctime_ns: ns(m.created()).max(ns(m.modified())),
        }
    }

    /// The file's size in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("fp-size-{}", std::process::id()));
    /// std::fs::write(&path, "four")?;
    /// assert_eq!(singleton_runtime::Fingerprint::of_path(&path)?.size(), 4);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The device and inode numbers: which file this is, as opposed to what it holds.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("fp-id-{}", std::process::id()));
    /// std::fs::write(&path, "a")?;
    /// let (device, inode) = singleton_runtime::Fingerprint::of_path(&path)?.file_id();
    /// std::fs::write(&path, "b")?; // an in-place write keeps the inode
    /// assert_eq!(singleton_runtime::Fingerprint::of_path(&path)?.file_id(), (device, inode));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn file_id(&self) -> (u64, u64) {
        (self.device, self.inode)
    }

    /// The modification time, in nanoseconds since the Unix epoch (negative before it).
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("fp-mtime-{}", std::process::id()));
    /// std::fs::write(&path, "a")?;
    /// assert!(singleton_runtime::Fingerprint::of_path(&path)?.modified_ns() > 0);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn modified_ns(&self) -> i128 {
        self.mtime_ns
    }

    /// The status-change time (ctime), in nanoseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("fp-ctime-{}", std::process::id()));
    /// std::fs::write(&path, "a")?;
    /// let fp = singleton_runtime::Fingerprint::of_path(&path)?;
    /// assert!(fp.changed_ns() >= fp.modified_ns());
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn changed_ns(&self) -> i128 {
        self.ctime_ns
    }

    /// When a value read from this version may first be trusted to stay current while
    /// the fingerprint stays equal: `None` if already now (`now_ns`, wall clock), else
    /// the end of the timestamp tick the file was last changed in.
    ///
    /// A write within the same tick as the change that produced this fingerprint could
    /// leave every field equal (same inode, same size, same coarse timestamps), so a
    /// value read while the file is that fresh is re-read once after the tick closes.
    /// The change time is used, not the modification time: user code can set the
    /// latter to anything, the kernel sets the former. A change time in the future
    /// (clock skew on a network filesystem) is treated as fresh until it is past.
    pub(crate) fn settles_at(&self, now_ns: i128) -> Option<i128> {
        let settled = self.ctime_ns + nanos(TIMESTAMP_GRANULARITY);
        (now_ns < settled).then_some(settled)
    }
}

/// Wall-clock nanoseconds since the Unix epoch, the scale of file timestamps.
pub(crate) fn since_epoch_ns(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => nanos(after),
        Err(before) => -nanos(before.duration()),
    }
}

/// A duration in nanoseconds; every `Duration` fits in an `i128`.
fn nanos(d: Duration) -> i128 {
    i128::try_from(d.as_nanos()).unwrap_or(i128::MAX)
}

/// What a load or a check learnt about the file: the fingerprint of the version the
/// loader read (`None` when it could not be pinned down), and when that knowledge may
/// be trusted if the fingerprint stays equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) fingerprint: Option<Fingerprint>,
    pub(crate) settles_at: Option<i128>,
}

impl Seen {
    /// What was seen of `fingerprint` at wall time `now_ns`.
    pub(crate) fn new(fingerprint: Option<Fingerprint>, now_ns: i128) -> Self {
        let settles_at = fingerprint.and_then(|f| f.settles_at(now_ns));
        Self {
            fingerprint,
            settles_at,
        }
    }

    /// Whether a file whose fingerprint is now `probe` (at wall time `now_ns`) still
    /// holds what was seen: equal fingerprints, and either the version was already
    /// settled when read, or it was fresh and its tick has not closed yet (it will be
    /// re-read once when it has).
    pub(crate) fn still_current(&self, probe: Option<Fingerprint>, now_ns: i128) -> bool {
        match (self.fingerprint, probe) {
            (Some(seen), Some(now)) if seen == now => self.settles_at.is_none_or(|t| now_ns < t),
            _ => false,
        }
    }
}

#[cfg(all(test, not(singleton_loom)))]
mod tests {
    use super::*;

    const SEC: i128 = 1_000_000_000;

    fn fp(inode: u64, size: u64, mtime_ns: i128, ctime_ns: i128) -> Fingerprint {
        Fingerprint {
            device: 1,
            inode,
            size,
            mtime_ns,
            ctime_ns,
        }
    }

    #[test]
    fn every_field_counts_and_order_does_not() {
        let base = fp(7, 10, 100 * SEC, 100 * SEC);
        assert_ne!(
            base,
            fp(8, 10, 100 * SEC, 100 * SEC),
            "inode (rename-over, symlink swap)"
        );
        assert_ne!(base, fp(7, 11, 100 * SEC, 100 * SEC), "size");
        assert_ne!(
            base,
            fp(7, 10, 99 * SEC, 100 * SEC),
            "mtime moved backwards is a change"
        );
        assert_ne!(
            base,
            fp(7, 10, 100 * SEC, 100 * SEC + 1),
            "ctime to the nanosecond"
        );
        assert_eq!(base, fp(7, 10, 100 * SEC, 100 * SEC));
    }

    #[test]
    fn a_settled_version_is_trusted_while_equal() {
        let f = fp(7, 10, 100 * SEC, 100 * SEC);
        let seen = Seen::new(Some(f), 200 * SEC);
        assert_eq!(seen.settles_at, None);
        assert!(seen.still_current(Some(f), 300 * SEC));
        assert!(!seen.still_current(Some(fp(7, 10, 100 * SEC, 101 * SEC)), 300 * SEC));
        assert!(
            !seen.still_current(None, 300 * SEC),
            "a file that vanished is a change"
        );
    }

    #[test]
    fn a_version_read_in_its_own_tick_is_reread_once_the_tick_closes() {
        let f = fp(7, 10, 100 * SEC, 100 * SEC);
        let seen = Seen::new(Some(f), 100 * SEC + SEC / 2);
        assert_eq!(seen.settles_at, Some(102 * SEC));
        assert!(
            seen.still_current(Some(f), 101 * SEC),
            "inside the tick: nothing to gain"
        );
        assert!(
            !seen.still_current(Some(f), 102 * SEC),
            "tick closed: read it once more"
        );
        // The re-read sees the same fingerprint, now settled: trusted from then on.
        let again = Seen::new(Some(f), 102 * SEC);
        assert!(again.still_current(Some(f), 500 * SEC));
    }

    #[test]
    fn a_change_time_in_the_future_is_fresh_until_past() {
        let f = fp(7, 10, 0, 1_000 * SEC);
        let seen = Seen::new(Some(f), 10 * SEC);
        assert!(seen.still_current(Some(f), 20 * SEC));
        assert!(!seen.still_current(Some(f), 1_002 * SEC));
    }

    #[test]
    fn an_unknown_version_is_never_current() {
        let seen = Seen::new(None, 0);
        assert!(!seen.still_current(None, 0));
        assert!(!seen.still_current(Some(fp(1, 1, 1, 1)), 0));
    }

    #[cfg(unix)]
    #[test]
    fn fstat_and_stat_agree_and_follow_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.toml");
        std::fs::write(&target, "a = 1\n").unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let opened = File::open(&link).unwrap();
        let by_fd = Fingerprint::of_file(&opened).unwrap();
        assert_eq!(by_fd, Fingerprint::of_path(&link).unwrap());
        assert_eq!(by_fd, Fingerprint::of_path(&target).unwrap());
        assert_eq!(by_fd.size(), 6);
    }

    #[test]
    fn epoch_conversion_handles_both_sides() {
        assert_eq!(since_epoch_ns(UNIX_EPOCH + Duration::from_secs(2)), 2 * SEC);
        assert_eq!(
            since_epoch_ns(UNIX_EPOCH - Duration::from_secs(2)),
            -2 * SEC
        );
    }
}
