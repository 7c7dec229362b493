//! Every form `#[guarded_global]` accepts: visibility, docs and attributes kept, any
//! initialiser expression (also non-const ones), an explicit name, references to other
//! items, and use from other modules and threads.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use singleton_runtime::{GuardedGlobal, LockTimeout, guarded_global};

mod registry {
    use super::*;

    /// Features enabled automatically, per family (TS-003).
    #[guarded_global]
    pub static AUTO_ENABLED: HashMap<String, Vec<String>> = HashMap::new();

    #[guarded_global(name = "logged registry paths")]
    pub(crate) static LOGGED_PATHS: HashSet<String> = HashSet::with_capacity(16);
}

const DEFAULT_LIMIT: usize = 8;

fn default_limits() -> Vec<usize> {
    vec![DEFAULT_LIMIT; 3]
}

#[guarded_global]
#[allow(non_upper_case_globals)]
static limits: Vec<usize> = default_limits();

#[guarded_global]
static GREETING: &str = "hello";

#[guarded_global]
static SHARED: Option<Arc<str>> = None;

#[guarded_global]
static COUNTS: [u64; 4] = [0; 4];

/// The runtime type works without the macro, too.
static PLAIN: GuardedGlobal<u32> = GuardedGlobal::new("PLAIN", || 1);

fn main() {
    registry::AUTO_ENABLED.write(|m| m.entry("gbm".into()).or_default().push("lag_1".into()));
    let first_time = registry::LOGGED_PATHS.write(|s| s.insert("registry.yaml".to_owned()));
    assert!(first_time);
    assert_eq!(registry::LOGGED_PATHS.name(), "logged registry paths");
    assert_eq!(limits.read(|l| l.len()), 3);
    assert_eq!(GREETING.read(|g| *g), "hello");
    SHARED.replace(Some(Arc::from("x")));
    let snapshot: Option<Arc<str>> = SHARED.snapshot();
    assert!(snapshot.is_some());
    std::thread::spawn(|| COUNTS.write(|c| c[0] += 1)).join().unwrap();
    let timed: Result<u64, LockTimeout> = COUNTS.try_read_for(Duration::from_millis(5), |c| c[0]);
    assert_eq!(timed, Ok(1));
    assert_eq!(PLAIN.replace_with(|p| p + 1), 1);
}
