//! Thread scope: seed 003's "use thread-local storage instead of global mutable state".
//! Each worker counts into its own instance (no lock, no shared cache line); a reader
//! sums every thread's counter with `for_each`; an initialiser that needs its own value
//! panics naming it.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use singleton_runtime::singleton;

/// Requests served by the current worker thread.
#[singleton(scope = thread)]
fn served() -> AtomicU64 {
    AtomicU64::new(0)
}

/// A per-thread value whose initialiser (by mistake) needs itself.
#[singleton(scope = thread)]
fn request_id() -> u64 {
    request_id::with(|id| id + 1)
}

pub(crate) fn run() {
    const WORKERS: usize = 4;
    println!("\n== thread scope: one instance per thread ==");
    let (counted, summed) = (Barrier::new(WORKERS + 1), Barrier::new(WORKERS + 1));
    thread::scope(|s| {
        for worker in 1..=WORKERS {
            let (counted, summed) = (&counted, &summed);
            s.spawn(move || {
                for _ in 0..worker * 1000 {
                    served::with(|n| n.fetch_add(1, Ordering::Relaxed));
                }
                counted.wait();
                summed.wait(); // alive until the reader has summed
            });
        }
        counted.wait();
        let (mut threads, mut total) = (0, 0);
        served::for_each(|n| {
            threads += 1;
            total += n.load(Ordering::Relaxed);
        });
        println!("  {threads} worker threads served {total} requests in all (expected 10000)");
        summed.wait();
    });
    let message = crate::quietly(|| {
        thread::spawn(|| request_id::with(|id| *id))
            .join()
            .map_err(|payload| crate::panic_message(&*payload).to_owned())
    });
    match message {
        Err(message) => println!("  self-needing initialiser: {message}"),
        Ok(id) => println!("  self-needing initialiser returned {id}?"),
    }
}
