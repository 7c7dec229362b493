//! Waits that last: the threshold after which a waiter reports (see "Deadlocks we
//! cannot see" on `Singleton`).

/// How long a claim or cache waiter waits before it prints [`Graph::slow_wait_report`](super::Graph::slow_wait_report):
/// `SINGLETON_RUNTIME_WAIT_WARN_MS` (milliseconds, `off` for never), read once;
/// 10 s by default.
pub(crate) fn slow_wait_threshold() -> Option<std::time::Duration> {
    #[cfg(not(singleton_loom))]
    {
        // singleton-audit: allow(read inside the runtime's slow-wait reporting, which #[singleton] is built on)
        static THRESHOLD: std::sync::OnceLock<Option<std::time::Duration>> =
            std::sync::OnceLock::new();
        *THRESHOLD.get_or_init(|| {
            match std::env::var("SINGLETON_RUNTIME_WAIT_WARN_MS").as_deref() {
                Ok("off") => None,
                Ok(ms) => Some(std::time::Duration::from_millis(
                    ms.trim().parse().unwrap_or(DEFAULT_WARN_MS),
                )),
                Err(_) => Some(std::time::Duration::from_millis(DEFAULT_WARN_MS)),
            }
        })
    }
    #[cfg(singleton_loom)]
    None
}

#[cfg(not(singleton_loom))]
const DEFAULT_WARN_MS: u64 = 10_000;

/// Tracks one wait against [`slow_wait_threshold`]: how long to sleep next, and
/// whether the report is due (once per wait).
pub(crate) struct SlowWait {
    start: std::time::Instant,
    threshold: Option<std::time::Duration>,
}

impl SlowWait {
    pub(crate) fn start() -> Self {
        Self {
            start: std::time::Instant::now(),
            threshold: slow_wait_threshold(),
        }
    }

    /// How long to sleep at most before calling [`due`](Self::due) again.
    pub(crate) fn timeout(&self) -> Option<std::time::Duration> {
        self.threshold.map(|t| {
            t.saturating_sub(self.start.elapsed())
                .max(std::time::Duration::from_millis(1))
        })
    }

    /// If the threshold has passed (the first time), how long this has waited.
    pub(crate) fn due(&mut self) -> Option<std::time::Duration> {
        let threshold = self.threshold?;
        let waited = self.start.elapsed();
        if waited < threshold {
            return None;
        }
        self.threshold = None;
        Some(waited)
    }
}
