//! `Guarded<T>` fields: the guarantees of `#[guarded_global]`, for a value inside a
//! `#[singleton]` (seed 001's `RegistryModelBuilder`, seed 002's `CandidateRegistry`:
//! objects with a lock inside, whose methods call each other), with real threads and
//! timeouts.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use singleton_runtime::{Guarded, LockTimeout, guarded_global, singleton};
use support::{DEADLOCK_TIMEOUT, catch_panic, race, within};

// ---------------------------------------------------------------------------------------
// Seed 002: the candidate registry, register -> recompute -> score, as a singleton with
// guarded fields.

#[derive(Clone, Debug, PartialEq)]
struct Candidate {
    domain: String,
    key: String,
    priority: i32,
    sequence: u64,
}

#[singleton]
#[derive(Default)]
struct CandidateRegistry {
    candidates: Guarded<Vec<Candidate>>,
    /// (domain, key) -> the winning candidate, recomputed on every registration.
    active: Guarded<BTreeMap<(String, String), Candidate>>,
    sequence: Guarded<u64>,
}

impl CandidateRegistry {
    fn register(&self, domain: &str, key: &str, priority: i32) -> u64 {
        let sequence = self.sequence.write(|s| {
            *s += 1;
            *s
        });
        self.candidates.write(|c| {
            c.push(Candidate {
                domain: domain.to_owned(),
                key: key.to_owned(),
                priority,
                sequence,
            });
        });
        self.recompute(domain, key);
        sequence
    }

    /// Needs the candidates (read) while it writes `active`: the two fields are taken in
    /// one order everywhere (candidates, then active).
    fn recompute(&self, domain: &str, key: &str) {
        self.candidates.read(|all| {
            let winner = self.score(all, domain, key);
            self.active.write(|active| match winner {
                Some(w) => active.insert((domain.to_owned(), key.to_owned()), w),
                None => active.remove(&(domain.to_owned(), key.to_owned())),
            });
        });
    }

    /// Called with the candidates already read: reads them again (a nested read of the
    /// same field, as the seed's `RLock` allowed).
    fn score(&self, all: &[Candidate], domain: &str, key: &str) -> Option<Candidate> {
        let total = self.candidates.read(Vec::len);
        assert_eq!(total, all.len(), "the nested read sees the same state");
        all.iter()
            .filter(|c| c.domain == domain && c.key == key)
            .max_by_key(|c| (c.priority, c.sequence))
            .cloned()
    }

    fn resolve(&self, domain: &str, key: &str) -> Option<Candidate> {
        self.active
            .read(|a| a.get(&(domain.to_owned(), key.to_owned())).cloned())
    }
}

#[test]
fn seed_002_registry_with_guarded_fields_10_threads_x_100_registrations() {
    within("candidate registry", DEADLOCK_TIMEOUT * 2, || {
        let registry = CandidateRegistry::instance();
        let sequences: Vec<u64> = race(10, |t| {
            (0..100)
                .map(|i| {
                    let sequence = registry.register("adapter", &format!("t{t}-k{i}"), 1);
                    let resolved = registry.resolve("adapter", &format!("t{t}-k{i}"));
                    assert_eq!(resolved.map(|c| c.sequence), Some(sequence));
                    sequence
                })
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .collect();
        let unique: BTreeSet<u64> = sequences.iter().copied().collect();
        assert_eq!(unique.len(), 1_000, "1,000 unique sequence numbers");
        assert_eq!(
            registry.candidates.read(Vec::len),
            1_000,
            "no lost registration"
        );
        assert_eq!(registry.active.read(BTreeMap::len), 1_000);
        // 20 threads registering one key: the highest priority (then latest) wins.
        race(20, |t| {
            registry.register("cache", "redis", i32::try_from(t).unwrap())
        });
        assert_eq!(
            registry.resolve("cache", "redis").map(|c| c.priority),
            Some(19)
        );
    });
}

// ---------------------------------------------------------------------------------------
// The guarantees, one by one.

#[singleton]
struct Features {
    flags: Guarded<HashMap<String, bool>>,
}

impl Default for Features {
    fn default() -> Self {
        Self {
            flags: Guarded::new("Features.flags", HashMap::new()),
        }
    }
}

#[test]
fn nested_reads_complete_with_a_writer_queued_in_between() {
    within("nested field read, queued writer", DEADLOCK_TIMEOUT, || {
        let flags = Guarded::new("Queued.flags", vec![1_u32, 2, 3]);
        let writer_done = AtomicBool::new(false);
        thread::scope(|s| {
            flags.read(|outer| {
                s.spawn(|| {
                    flags.write(|v| v.push(4));
                    writer_done.store(true, Ordering::SeqCst);
                });
                // Proof that the writer is queued: a fresh read from a third thread
                // now has to wait behind it (and times out).
                let queued = thread::scope(|probe| {
                    probe
                        .spawn(|| {
                            while flags
                                .try_read_for(Duration::from_millis(5), Vec::len)
                                .is_ok()
                            {}
                            flags.try_read_for(Duration::from_millis(5), Vec::len)
                        })
                        .join()
                        .expect("probe")
                });
                let err = queued.expect_err("the writer is queued");
                assert!(!err.is_write());
                assert!(
                    !writer_done.load(Ordering::SeqCst),
                    "the writer waits for us"
                );
                // The nested read does not queue behind the writer.
                let inner: u32 = flags.read(|inner| inner.iter().sum());
                assert_eq!(inner + outer.iter().sum::<u32>(), 12);
            });
        });
        assert!(writer_done.load(Ordering::SeqCst));
        assert_eq!(flags.snapshot(), [1, 2, 3, 4]);
    });
}

#[test]
fn a_write_while_holding_the_field_panics_naming_it() {
    within("field write while holding", DEADLOCK_TIMEOUT, || {
        let features = Features::instance();
        let in_read = catch_panic(|| {
            features
                .flags
                .read(|_| features.flags.write(HashMap::clear));
        });
        assert!(
            in_read.starts_with("guarded field `Features.flags`: `write` requested while this thread holds `Features.flags` in a `read`"),
            "{in_read}"
        );
        assert!(in_read.contains("would deadlock"), "{in_read}");
        assert!(
            !features.flags.is_poisoned(),
            "a refused write changes nothing"
        );

        let in_write = catch_panic(|| features.flags.write(|_| features.flags.read(HashMap::len)));
        assert!(
            in_write.contains("guarded field `Features.flags`: accessed while this thread holds `Features.flags` in a `write`"),
            "{in_write}"
        );
        assert!(
            features.flags.is_poisoned(),
            "the outer write was interrupted"
        );
        features.flags.clear_poison();
        // Still usable from another thread: nothing was left locked.
        thread::spawn(|| {
            Features::instance()
                .flags
                .write(|f| f.insert("x".into(), true))
        })
        .join()
        .expect("other thread");
        assert_eq!(features.flags.read(|f| f.get("x").copied()), Some(true));
    });
}

#[guarded_global]
static ORDERED_GLOBAL: u32 = 1;

#[test]
#[cfg_attr(
    not(any(debug_assertions, feature = "lock-order")),
    ignore = "lock order is checked in debug builds, or with the `lock-order` feature"
)]
fn a_lock_order_inversion_between_a_field_and_a_global_is_reported() {
    within("field/global lock order", DEADLOCK_TIMEOUT, || {
        let field = Guarded::new("Registry.models", 2_u32);
        // Field, then global: recorded.
        assert_eq!(field.read(|f| ORDERED_GLOBAL.read(|g| f + g)), 3);
        // Global, then field, on another thread: reported before it can deadlock.
        let message = thread::scope(|s| {
            s.spawn(|| catch_panic(|| ORDERED_GLOBAL.read(|_| field.read(|f| *f))))
                .join()
                .expect("inverted order")
        });
        assert!(
            message.starts_with("lock order inversion: taking guarded field `Registry.models` while holding `ORDERED_GLOBAL`"),
            "{message}"
        );
        assert!(
            message.contains("(`Registry.models` before `ORDERED_GLOBAL`)"),
            "{message}"
        );
        // Nothing was left locked or poisoned; the first order still works.
        assert!(!field.is_poisoned() && !ORDERED_GLOBAL.is_poisoned());
        assert_eq!(field.read(|f| ORDERED_GLOBAL.read(|g| f + g)), 3);
    });
}

#[test]
fn a_panicking_write_poisons_the_field_until_recovered() {
    within("field poison", DEADLOCK_TIMEOUT, || {
        let totals = Guarded::new("Stats.totals", vec![0_u64; 4]);
        let crashed = thread::scope(|s| {
            thread::Builder::new()
                .name("crasher".into())
                .spawn_scoped(s, || {
                    totals.write(|t| {
                        t[0] = 1;
                        panic!("lost the connection half-way");
                    });
                })
                .expect("spawn")
                .join()
        });
        assert!(crashed.is_err());
        assert!(totals.is_poisoned());
        let refused = catch_panic(|| totals.read(|t| t[0]));
        assert!(
            refused.starts_with(
                "guarded field `Stats.totals` is poisoned: a `write` panicked on thread 'crasher'"
            ),
            "{refused}"
        );
        // A field's name is not code: the advice names the method, not a path.
        assert!(
            refused.contains("by calling its `recover(|value| ...)`"),
            "{refused}"
        );
        assert_eq!(totals.recover(|t| t.iter().sum::<u64>()), 1, "half-changed");
        assert!(!totals.is_poisoned());
        totals.write(|t| t.fill(0));
        assert_eq!(totals.snapshot(), [0; 4]);
    });
}

#[test]
fn timed_accesses_give_up_naming_the_field_and_change_nothing() {
    within("field timeouts", DEADLOCK_TIMEOUT, || {
        let queue = Guarded::new("Jobs.queue", vec!["a"]);
        queue.write(|_| {
            let read = thread::scope(|s| {
                s.spawn(|| queue.try_read_for(Duration::from_millis(30), Vec::len))
                    .join()
                    .expect("reader")
            });
            assert_eq!(
                read.as_ref().map_err(ToString::to_string),
                Err("timed out after 30ms waiting to read guarded field `Jobs.queue`: another thread was writing it".to_owned())
            );
        });
        queue.read(|_| {
            let write: Result<(), LockTimeout> = thread::scope(|s| {
                s.spawn(|| queue.try_write_for(Duration::from_millis(30), |q| q.push("b")))
                    .join()
                    .expect("writer")
            });
            let err = write.expect_err("a reader is inside");
            assert_eq!((err.name(), err.is_write()), ("Jobs.queue", true));
        });
        assert_eq!(queue.snapshot(), ["a"], "the timed-out write did not run");
        // Once free, timed accesses succeed.
        assert_eq!(
            queue.try_write_for(Duration::from_millis(30), |q| {
                q.push("c");
                q.len()
            }),
            Ok(2)
        );
    });
}

#[test]
fn a_wait_that_would_close_a_cycle_between_fields_panics_naming_them() {
    within("field wait cycle", DEADLOCK_TIMEOUT, || {
        let (a, b) = (Guarded::new("Pair.a", 0_u32), Guarded::new("Pair.b", 0_u32));
        let both_in = std::sync::Barrier::new(2);
        let outcomes = thread::scope(|s| {
            let first = s.spawn(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    a.write(|_| {
                        both_in.wait();
                        b.write(|_| ());
                    });
                }))
            });
            let second = s.spawn(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    b.write(|_| {
                        both_in.wait();
                        a.write(|_| ());
                    });
                }))
            });
            [first.join().expect("first"), second.join().expect("second")]
        });
        // One thread found the cycle (lock order in debug builds, else the wait-for
        // graph) instead of both sleeping forever, and named both fields. (Its panic
        // unwound its outer write, poisoning that field: the other thread may then
        // fail on the poison.)
        let messages: Vec<String> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().err().map(|p| support::panic_message(&**p)))
            .collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`Pair.a`") && m.contains("`Pair.b`")),
            "{messages:?}"
        );
    });
}

#[test]
fn default_is_named_after_the_type_and_debug_shows_the_value_when_it_can() {
    let registry = Guarded::<Vec<u8>>::default();
    assert_eq!(registry.name(), "alloc::vec::Vec<u8>");
    registry.write(|v| v.push(7));
    assert_eq!(
        format!("{registry:?}"),
        r#"Guarded { name: "alloc::vec::Vec<u8>", value: [7], .. }"#
    );
    // Inside a read of this thread, Debug reads too (a nested read).
    registry.read(|_| assert!(format!("{registry:?}").contains("value: [7]")));
    // Inside a write of this thread, Debug says so instead of panicking.
    registry.write(|_| {
        assert!(format!("{registry:?}").contains("<held by this thread in a write>"));
    });
    // While another thread writes, Debug does not wait.
    registry.write(|_| {
        let shown = thread::scope(|s| s.spawn(|| format!("{registry:?}")).join().unwrap());
        assert!(shown.contains("value: <locked>"), "{shown}");
    });
}

#[test]
fn a_field_lock_is_small() {
    // The biased slots of a global are ~1 KiB; a field counts readers in one word.
    let size = std::mem::size_of::<Guarded<u64>>();
    assert!(size <= 128, "Guarded<u64> is {size} bytes");
}
