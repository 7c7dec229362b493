//! Every macro form in a user crate that denies warnings, clippy's pedantic group, missing
//! docs and unreachable `pub`.

#![deny(warnings, clippy::pedantic, missing_docs, unreachable_pub)]

use std::path::Path;

use singleton_runtime::{guarded_global, init_once, invalidating_cache, singleton};

/// Error of the fallible forms.
#[derive(Debug)]
pub struct LoadError;

/// A registry, built by `Default`.
#[singleton]
#[derive(Default)]
pub struct Registry {
    /// Entries.
    pub entries: Vec<String>,
}

/// State that changes, in fields of every kind the field check looks at.
#[singleton]
#[derive(Default)]
pub struct Counters {
    /// Names.
    pub names: singleton_runtime::Guarded<Vec<String>>,
    /// Hits.
    pub hits: std::sync::atomic::AtomicU64,
    /// Shared text.
    pub text: std::sync::Arc<str>,
    /// Off.
    #[cfg(any())]
    pub off: NoSuchType,
    /// Self.
    pub next: Option<Box<Self>>,
}

/// A mode, an enum with fields.
#[singleton]
#[derive(Default)]
pub enum Mode {
    /// Off.
    #[default]
    Off,
    /// On.
    On(std::sync::Arc<String>),
}

/// A pool, built by `init`.
#[singleton(init = Pool::open)]
pub struct Pool {
    /// Size.
    pub size: usize,
}

impl Pool {
    fn open() -> Self {
        Pool { size: 4 }
    }
}

/// Settings, built by a fallible `init`.
#[singleton(init = Settings::load, error = LoadError)]
pub struct Settings {
    /// Verbose.
    pub verbose: bool,
}

impl Settings {
    fn load() -> Result<Self, LoadError> {
        let verbose = "true".parse().map_err(|_| LoadError)?;
        Ok(Settings { verbose })
    }
}

/// An endpoint, built by an async fn.
#[singleton]
pub async fn endpoint() -> String {
    "https://example.invalid".to_owned()
}

/// A session, built by a fallible async fn.
///
/// # Errors
///
/// When it cannot open.
#[singleton]
pub async fn session() -> Result<u32, LoadError> {
    let url = endpoint().await;
    u32::try_from(url.len()).map_err(|_| LoadError)
}

/// A client, built by an async `init`.
#[singleton(init = async Client::connect, error = LoadError)]
pub struct Client {
    /// Id.
    pub id: u32,
}

impl Client {
    async fn connect() -> Result<Self, LoadError> {
        Ok(Client { id: *session().await? })
    }
}

/// Per-thread scratch space.
#[singleton(scope = thread)]
pub fn scratch() -> std::cell::RefCell<Vec<u8>> {
    std::cell::RefCell::new(Vec::new())
}

/// A per-thread counter.
#[singleton(scope = thread)]
#[derive(Default)]
pub struct Hits {
    /// Count.
    pub count: std::cell::Cell<u64>,
}

/// Thread-scoped forms written by a `macro_rules!` macro, every part a fragment.
macro_rules! per_thread {
    ($(#[$doc:meta])* $vis:vis fn $name:ident() -> $ty:ty $body:block) => {
        $(#[$doc])*
        #[singleton(scope = thread)]
        $vis fn $name() -> $ty $body
    };
    ($(#[$doc:meta])* $vis:vis struct $name:ident { $(#[$fdoc:meta])* $fvis:vis $field:ident: $fty:ty $(,)? }) => {
        $(#[$doc])*
        #[singleton(scope = thread)]
        #[derive(Default)]
        $vis struct $name {
            $(#[$fdoc])*
            $fvis $field: $fty,
        }
    };
}

per_thread! {
    /// Bytes sent by this thread.
    pub fn bytes_sent() -> std::sync::atomic::AtomicU64 {
        std::sync::atomic::AtomicU64::new(0)
    }
}

per_thread! {
    /// A crate-visible per-thread buffer.
    pub(crate) struct LineBuffer {
        /// Lines.
        pub(crate) lines: std::cell::RefCell<Vec<String>>,
    }
}

/// Reaches the generated forms.
#[must_use]
pub fn sent_everywhere() -> u64 {
    LineBuffer::with_instance(|b| b.lines.borrow_mut().push(String::new()));
    let mut sum = 0;
    bytes_sent::for_each(|b| sum += b.load(std::sync::atomic::Ordering::Relaxed));
    sum
}

/// The answer.
#[singleton]
#[must_use]
pub fn answer() -> u32 {
    42
}

/// A parsed value, or why not.
///
/// # Errors
///
/// When the text does not parse.
#[singleton]
pub fn parsed() -> Result<u16, LoadError> {
    "7".parse().map_err(|_| LoadError)
}

/// Sets the seed once.
#[init_once]
pub fn set_seed(seed: u64) {
    let _ = seed;
}

/// Parses the level once.
#[init_once]
pub fn set_level(text: &str) -> Result<u8, std::num::ParseIntError> {
    text.parse()
}

/// Opens the log once, never waiting for a concurrent call; `LOGGING` tells whether it ran.
#[init_once(state = LOGGING, concurrent = refuse)]
pub fn open_log(path: &str) -> std::io::Result<usize> {
    Ok(path.len())
}

/// Writes the banner once.
#[init_once(state = BANNER, reset = reset_banner)]
pub fn banner() -> std::fmt::Result {
    Ok(())
}

/// A worker pool.
pub struct Workers;

impl Workers {
    /// Starts the workers once; `Workers::STARTED` tells whether it ran.
    #[init_once(state = STARTED)]
    pub fn start(count: usize) -> usize {
        count
    }
}

/// Counts.
#[guarded_global]
pub static COUNTS: Vec<u32> = Vec::new();

/// The configuration file's text.
///
/// # Errors
///
/// When it cannot be read.
#[invalidating_cache(path = "/definitely/missing/app.toml")]
pub fn config_text(path: &Path) -> Result<String, std::io::Error> {
    std::fs::read_to_string(path)
}

/// Every form again, generated by local `macro_rules` (whose expansions clippy lints as
/// the user's own code).
pub mod generated {
    use std::path::Path;

    use singleton_runtime::{guarded_global, init_once, invalidating_cache, singleton};

    use super::LoadError;

    macro_rules! lazy_global {
        ($(#[$meta:meta])* $name:ident: $t:ty = $body:block) => {
            $(#[$meta])*
            #[singleton]
            pub fn $name() -> $t $body
        };
    }

    macro_rules! singleton_struct {
        ($(#[$meta:meta])* $name:ident $(, $init:path $(, $error:ty)?)?) => {
            $(#[$meta])*
            #[singleton($(init = $init $(, error = $error)?)?)]
            pub struct $name(pub usize);
        };
    }

    macro_rules! once_fn {
        ($(#[$meta:meta])* $name:ident($($arg:ident: $argty:ty),*) $(-> $out:ty)? $body:block) => {
            $(#[$meta])*
            #[init_once]
            pub fn $name($($arg: $argty),*) $(-> $out)? $body
        };
    }

    macro_rules! global {
        ($(#[$meta:meta])* $name:ident: $t:ty = $e:expr) => {
            $(#[$meta])*
            #[guarded_global]
            pub static $name: $t = $e;
        };
    }

    macro_rules! cached_file {
        ($(#[$meta:meta])* $name:ident($arg:ident: $p:ty) -> $out:ty, $path:expr) => {
            $(#[$meta])*
            #[invalidating_cache(path = $path)]
            pub fn $name($arg: $p) -> $out {
                std::fs::read_to_string($arg)
            }
        };
    }

    lazy_global!(
        /// The answer.
        #[must_use]
        answer: u32 = { 42 }
    );
    lazy_global!(
        /// A parsed value.
        ///
        /// # Errors
        ///
        /// When it does not parse.
        parsed: Result<u16, LoadError> = { "7".parse().map_err(|_| LoadError) }
    );

    fn make_pool() -> Pool {
        Pool(4)
    }

    fn load_settings() -> Result<Settings, LoadError> {
        "6".parse().map(Settings).map_err(|_| LoadError)
    }

    singleton_struct!(
        /// Built by `Default`.
        #[derive(Default)]
        Counter
    );
    singleton_struct!(
        /// Built by `init`.
        Pool,
        make_pool
    );
    singleton_struct!(
        /// Built by a fallible `init`.
        Settings,
        load_settings,
        LoadError
    );

    once_fn!(
        /// Sets the seed once.
        set_seed(seed: u64) { let _ = seed; }
    );
    once_fn!(
        /// Parses the level once.
        set_level(text: &str) -> Result<u8, std::num::ParseIntError> { text.parse() }
    );

    macro_rules! once_fn_with_state {
        ($(#[$meta:meta])* $name:ident, $state:ident, $out:ty, $body:block) => {
            $(#[$meta])*
            #[init_once(state = $state, concurrent = refuse)]
            pub fn $name() -> $out $body
        };
    }

    once_fn_with_state!(
        /// Opens the log once.
        open_log, LOGGING, std::io::Result<u8>, { Ok(1) }
    );

    macro_rules! async_global {
        ($(#[$meta:meta])* $name:ident: $t:ty = $body:block) => {
            $(#[$meta])*
            #[singleton]
            pub async fn $name() -> $t $body
        };
    }

    macro_rules! async_struct {
        ($(#[$meta:meta])* $name:ident, $init:path $(, $error:ty)?) => {
            $(#[$meta])*
            #[singleton(init = async $init $(, error = $error)?)]
            pub struct $name(pub usize);
        };
    }

    // Crate-private struct forms whose test tools (and, async, `instance_if_ready`) are
    // never used: no `dead_code` warning, as for written ones. (trybuild allows
    // `dead_code`, so this is checked here.)
    macro_rules! crate_private_structs {
        ($sync:ident, $sync_init:path, $async_:ident, $async_init:path) => {
            #[singleton(init = $sync_init)]
            pub(crate) struct $sync(pub(crate) u8);

            #[singleton(init = async $async_init)]
            pub(crate) struct $async_(pub(crate) u8);

            #[singleton(scope = thread)]
            #[derive(Default)]
            pub(crate) struct PerThreadProbe(pub(crate) u8);
        };
    }

    crate_private_structs!(Probe, make_probe, AsyncProbe, connect_probe);

    /// Reaches the crate-private thread-scoped form's `with_instance` (and nothing else).
    #[must_use]
    pub fn per_thread_probe() -> u8 {
        PerThreadProbe::with_instance(|p| p.0)
    }

    fn make_probe() -> Probe {
        Probe(1)
    }

    async fn connect_probe() -> AsyncProbe {
        AsyncProbe(Probe::instance().0)
    }

    /// Reaches the crate-private forms' `instance()` (and nothing else of theirs).
    pub async fn probe() -> u8 {
        AsyncProbe::instance().await.0
    }

    async_global!(
        /// An endpoint, built by an async fn.
        endpoint: String = { "https://example.invalid".to_owned() }
    );
    async_global!(
        /// A session, built by a fallible async fn.
        ///
        /// # Errors
        ///
        /// When it cannot open.
        session: Result<u32, LoadError> = {
            let url = endpoint().await;
            u32::try_from(url.len()).map_err(|_| LoadError)
        }
    );

    async fn connect_link() -> Link {
        Link(endpoint().await.len().min(3))
    }

    async fn dial_remote() -> Result<Remote, LoadError> {
        Ok(Remote(usize::try_from(*session().await?).map_err(|_| LoadError)?))
    }

    async_struct!(
        /// Built by an async `init`.
        Link,
        connect_link
    );
    async_struct!(
        /// Built by a fallible async `init`.
        Remote,
        dial_remote,
        LoadError
    );

    global!(
        /// Counts.
        COUNTS: Vec<u32> = Vec::new()
    );
    global!(
        /// An empty list, borrowed.
        EMPTY: &'static Vec<u8> = &Vec::new()
    );

    cached_file!(
        /// The configuration file's text.
        ///
        /// # Errors
        ///
        /// When it cannot be read.
        config_text(path: &Path) -> Result<String, std::io::Error>,
        "/definitely/missing/app.toml"
    );
}

/// More cache forms: strict and watched, several files, `Box<dyn Error + Send + Sync>`,
/// private and `pub(crate)`, and every argument a `macro_rules` fragment.
pub mod caches {
    use std::error::Error;
    use std::path::Path;
    use std::time::Duration;

    use singleton_runtime::{LoadContext, invalidating_cache};

    /// Strict, watched.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    #[invalidating_cache(path = "/definitely/missing/strict.toml", check_interval = Duration::ZERO, watch = true)]
    pub fn strict_text(path: &Path) -> Result<String, std::io::Error> {
        std::fs::read_to_string(path)
    }

    /// Several files.
    ///
    /// # Errors
    ///
    /// When one cannot be read.
    #[invalidating_cache(path = "/definitely/missing/base.toml")]
    pub fn layered(ctx: &mut LoadContext) -> Result<String, Box<dyn Error + Send + Sync>> {
        let main = ctx.path().to_owned();
        let base = ctx.read_to_string(&main)?;
        Ok(base)
    }

    /// A private one.
    #[invalidating_cache(path = "/definitely/missing/private.toml")]
    fn private_text(path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    /// Uses the private one.
    #[must_use]
    pub fn private_len() -> usize {
        private_text::with(String::len).unwrap_or(0) + crate_text().map_or(0, |t| t.len())
    }

    /// Crate-visible.
    #[invalidating_cache(path = "/definitely/missing/crate.toml")]
    pub(crate) fn crate_text(path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    macro_rules! all_fragments {
        ($(#[$meta:meta])* $vis:vis $name:ident($arg:ident: $p:ty) -> Result<$t:ty, $e:ty>, $path:expr, $interval:expr, $watch:literal) => {
            $(#[$meta])*
            #[invalidating_cache(path = $path, check_interval = $interval, watch = $watch)]
            $vis fn $name($arg: $p) -> Result<$t, $e> {
                Ok(std::fs::read_to_string($arg)?.len())
            }
        };
    }

    /// A cache and a singleton declared in a fn body, of types declared there.
    #[must_use]
    pub fn local_items() -> usize {
        #[derive(Debug)]
        struct Local(usize);

        #[invalidating_cache(path = "/definitely/missing/local.toml")]
        fn local_text(path: &Path) -> Result<Local, std::io::Error> {
            Ok(Local(std::fs::read_to_string(path)?.len()))
        }

        #[singleton_runtime::singleton]
        fn local_count() -> Local {
            Local(1)
        }

        local_text::with(|l| l.0).unwrap_or(0) + local_count().0
    }

    all_fragments!(
        /// From fragments.
        ///
        /// # Errors
        ///
        /// When it cannot be read.
        pub fragment_len(path: &Path) -> Result<usize, Box<dyn Error + Send + Sync>>,
        "/definitely/missing/fragments.toml",
        Duration::from_millis(250),
        true
    );
}

/// Boxes of the type that names it, through a type macro (the field check skips it).
macro_rules! boxed_self {
    () => {
        Option<Box<Self>>
    };
}

/// A blanket extension trait with a method named like the probes' fold.
pub trait Logic {
    /// `other`.
    #[must_use]
    fn and(self, other: bool) -> bool
    where
        Self: Sized,
    {
        other
    }
}

impl<T> Logic for T {}

/// Fields the field check must leave alone: removed by a `cfg` inside `cfg_attr`, or
/// typed by a macro naming `Self`; with a user trait with an `and` method in scope.
#[singleton]
#[derive(Default)]
pub struct HiddenFields {
    /// Hits.
    pub hits: u32,
    #[cfg_attr(all(), cfg(any()))]
    gone: NoSuchType,
    /// The next one.
    pub next: boxed_self!(),
}

/// Fn forms in a fn body (a `pub` cache of a std type, a thread-scoped and an async
/// singleton, one written by a local `macro_rules`), and a child module whose
/// `use super::*;` brings in its parent's modules of the names it declares again.
pub mod in_bodies {
    use std::path::Path;

    use singleton_runtime::{invalidating_cache, singleton};

    /// The parent's singleton `answer`.
    #[singleton]
    #[must_use]
    pub fn answer() -> u32 {
        42
    }

    /// The parent's cache `text`.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    #[invalidating_cache(path = "/definitely/missing/parent.toml")]
    pub fn text(path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    /// Same names again.
    pub mod child {
        // The glob is the point: it brings in the parent's `answer` and `text` modules.
        #[allow(clippy::wildcard_imports)]
        use super::*;

        /// The child's singleton `answer`.
        #[singleton]
        #[must_use]
        pub fn answer() -> u32 {
            43
        }

        /// The child's cache `text`.
        ///
        /// # Errors
        ///
        /// When it cannot be read.
        #[invalidating_cache(path = "/definitely/missing/child.toml")]
        pub fn text(path: &Path) -> std::io::Result<String> {
            std::fs::read_to_string(path)
        }
    }

    macro_rules! local_singleton {
        ($vis:vis $name:ident: $t:ty = $body:block) => {
            #[singleton]
            $vis fn $name() -> $t $body
        };
    }

    /// Uses them all.
    pub async fn sum() -> usize {
        #[derive(Debug)]
        struct Local(usize);

        /// A `pub` cache in a fn body.
        ///
        /// # Errors
        ///
        /// When it cannot be read.
        #[invalidating_cache(path = "/definitely/missing/body.toml")]
        pub fn body_text(path: &Path) -> std::io::Result<String> {
            std::fs::read_to_string(path)
        }

        #[singleton(scope = thread)]
        fn per_thread() -> std::cell::Cell<usize> {
            std::cell::Cell::new(1)
        }

        #[singleton]
        async fn remote() -> Local {
            Local(2)
        }

        local_singleton!(counted: Local = { Local(3) });

        let texts = body_text().map_or(0, |t| t.len())
            + text().map_or(0, |t| t.len())
            + child::text().map_or(0, |t| t.len());
        texts
            + per_thread::with(std::cell::Cell::get)
            + remote().await.0
            + counted().0
            + usize::try_from(*answer() + *child::answer()).unwrap_or(0)
    }
}
