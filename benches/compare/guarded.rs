//! `#[guarded_global]` next to the locks it replaces: std `RwLock` (the anchor),
//! `parking_lot::RwLock`, crossbeam `ShardedLock`, and an `arc-swap` load (not a lock:
//! the lower bound of a read-mostly global). Reads at 1 and 2 threads, read-only and
//! with 1% writes, and an uncontended write.
//!
//! The guarded rows pay for everything a user gets: lazy initialisation, the
//! reentrancy bookkeeping (a thread-local stack of held globals), poison checks and
//! the reader-slot lock. Lock-order tracking is off, as in any release build without
//! the `lock-order` feature.

use std::hint::black_box;
use std::sync::{Arc, PoisonError, RwLock};

use arc_swap::ArcSwap;
use crossbeam_utils::sync::ShardedLock;
use singleton_runtime::{Guarded, guarded_global};

use crate::harness::{Candidate, Config, Group, Report, Target};

#[guarded_global]
static GUARDED: u64 = 1;

static STD: RwLock<u64> = RwLock::new(1);
static PARKING: parking_lot::RwLock<u64> = parking_lot::const_rwlock(1);

const GUARDED_READ: &str = "guarded read (#[guarded_global])";
const STD_READ: &str = "std RwLock read";

/// One write every `WRITE_EVERY` operations: the "1% writes" load.
const WRITE_EVERY: u64 = 100;

/// The locks that are not statics.
struct Others {
    sharded: ShardedLock<u64>,
    swap: ArcSwap<u64>,
    /// A guarded field, as in a `#[singleton]` registry.
    field: Guarded<u64>,
}

impl Others {
    fn sharded_read(&self) -> u64 {
        *self.sharded.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn sharded_write(&self) {
        *self.sharded.write().unwrap_or_else(PoisonError::into_inner) += 1;
    }
}

fn std_read() -> u64 {
    *STD.read().unwrap_or_else(PoisonError::into_inner)
}

fn std_write() {
    *STD.write().unwrap_or_else(PoisonError::into_inner) += 1;
}

pub(crate) fn run(cfg: &Config, report: &mut Report) {
    let others = Others {
        sharded: ShardedLock::new(1),
        swap: ArcSwap::from_pointee(1),
        field: Guarded::new("Others.field", 1),
    };
    for threads in [1, 2] {
        let group = reads(threads, &others);
        let group = if threads == 1 {
            group.target(Target::AtMost {
                row: GUARDED_READ,
                ratio: 1.3,
            })
        } else {
            group.target(Target::FasterThan {
                row: GUARDED_READ,
                than: STD_READ,
                factor: 4.0,
            })
        };
        group.run(cfg, report);
        mixed(threads, &others).run(cfg, report);
    }
    writes(&others)
        .target(Target::AtMost {
            row: "guarded write",
            ratio: 2.0,
        })
        .run(cfg, report);
}

fn reads(threads: usize, others: &Others) -> Group<'_> {
    Group::new("guarded global: read-only", threads)
        .with(Candidate::op(STD_READ, std_read))
        .with(Candidate::op(GUARDED_READ, || GUARDED.read(|v| *v)))
        .with(Candidate::op("Guarded<T> field read", || {
            others.field.read(|v| *v)
        }))
        .with(Candidate::op("parking_lot RwLock read", || *PARKING.read()))
        .with(Candidate::op("crossbeam ShardedLock read", || {
            others.sharded_read()
        }))
        .with(Candidate::op("arc-swap load", || **others.swap.load()))
}

/// 99 reads, then 1 write, per thread.
fn mixed(threads: usize, others: &Others) -> Group<'_> {
    fn looping<'a>(
        name: &str,
        read: impl Fn() -> u64 + Sync + 'a,
        write: impl Fn() + Sync + 'a,
    ) -> Candidate<'a> {
        Candidate::looping(name, move |iters, _| {
            for i in 0..iters {
                if i % WRITE_EVERY == WRITE_EVERY - 1 {
                    write();
                } else {
                    black_box(read());
                }
            }
        })
    }
    Group::new("guarded global: 99% reads, 1% writes", threads)
        .with(looping("std RwLock", std_read, std_write))
        .with(looping(
            "guarded (#[guarded_global])",
            || GUARDED.read(|v| *v),
            || {
                GUARDED.write(|v| *v += 1);
            },
        ))
        .with(looping(
            "Guarded<T> field",
            || others.field.read(|v| *v),
            || {
                others.field.write(|v| *v += 1);
            },
        ))
        .with(looping(
            "parking_lot RwLock",
            || *PARKING.read(),
            || *PARKING.write() += 1,
        ))
        .with(looping(
            "crossbeam ShardedLock",
            || others.sharded_read(),
            || others.sharded_write(),
        ))
        .with(looping(
            "arc-swap load / rcu",
            || **others.swap.load(),
            || {
                others.swap.rcu(|v| Arc::new(**v + 1));
            },
        ))
}

fn writes(others: &Others) -> Group<'_> {
    Group::new("guarded global: uncontended write", 1)
        .with(Candidate::op("std RwLock write", std_write))
        .with(Candidate::op("guarded write", || {
            GUARDED.write(|v| *v += 1);
        }))
        .with(Candidate::op("Guarded<T> field write", || {
            others.field.write(|v| *v += 1);
        }))
        .with(Candidate::op("parking_lot RwLock write", || {
            *PARKING.write() += 1;
        }))
        .with(Candidate::op("crossbeam ShardedLock write", || {
            others.sharded_write();
        }))
        .with(Candidate::op("arc-swap store (new Arc)", || {
            others.swap.store(Arc::new(black_box(2)));
        }))
}
