//! A small measuring harness: groups of candidates timed in interleaved rounds, on one
//! or more threads, reported as the median ns/op and the median of the per-round
//! ratios to the group's anchor.
//!
//! Why not criterion: the comparison must come from one process and one table, with
//! the same rounds interleaved across candidates so that machine noise (2 noisy cores)
//! hits every row alike, and with multi-threaded rows measured the same way.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "timings and iteration counts are estimates; f64 precision is plenty"
)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Barrier;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How much time to spend, and which groups to run.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// Interleaved rounds per group; the median is reported.
    pub rounds: usize,
    /// Target wall time of one measurement of one candidate.
    pub sample: Duration,
    /// `--quick`: only check that every row runs.
    pub quick: bool,
    /// `--filter TEXT`: run only the groups whose title contains `TEXT`.
    pub filter: Option<String>,
}

impl Config {
    /// Reads `--quick` and `--filter TEXT` from the command line
    /// (`cargo bench ... -- --quick`).
    pub(crate) fn from_args() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let quick = args.iter().any(|a| a == "--quick");
        let filter = args
            .iter()
            .position(|a| a == "--filter")
            .and_then(|i| args.get(i + 1).cloned());
        if quick {
            Self {
                rounds: 1,
                sample: Duration::from_millis(1),
                quick,
                filter,
            }
        } else {
            // Many short rounds rather than few long ones: a burst of noise from the
            // other core then spoils a few samples of every row, not a whole row.
            Self {
                rounds: 21,
                sample: Duration::from_millis(8),
                quick,
                filter,
            }
        }
    }
}

/// One thing being measured: runs `iters` operations on thread number `thread`.
pub(crate) struct Candidate<'a> {
    name: String,
    run: Box<dyn Fn(u64, usize) + Sync + 'a>,
}

impl<'a> Candidate<'a> {
    /// A candidate whose closure runs the loop itself (for mixed read/write loads).
    pub(crate) fn looping(name: impl Into<String>, run: impl Fn(u64, usize) + Sync + 'a) -> Self {
        Self {
            name: name.into(),
            run: Box::new(run),
        }
    }

    /// A candidate doing one operation `op` per iteration; the loop is monomorphised
    /// around `op` so the only per-op cost is the operation itself.
    pub(crate) fn op<R>(name: impl Into<String>, op: impl Fn() -> R + Sync + 'a) -> Self {
        Self::looping(name, move |iters, _thread| {
            for _ in 0..iters {
                black_box(op());
            }
        })
    }

    /// [`op`](Self::op) for operations of a cycle or two (a fast-path load): the loop
    /// is unrolled eight times, because at that size the loop's own branch and its code
    /// alignment would otherwise decide the result. Use it for every row of a group.
    pub(crate) fn tiny_op<R>(name: impl Into<String>, op: impl Fn() -> R + Sync + 'a) -> Self {
        Self::looping(name, move |iters, _thread| unrolled(iters, &op))
    }

    /// [`tiny_op`](Self::tiny_op) for an `.await` that is ready at once: each op builds
    /// the future `make` returns and polls it once (it must be ready). The `Context`
    /// (a no-op waker) is built once per run, not per op: an executor builds one per
    /// poll of a task, and every `.await` inside that poll reuses it, so building one
    /// per `.await` would measure the harness, not the future.
    pub(crate) fn tiny_poll<F: Future>(
        name: impl Into<String>,
        make: impl Fn() -> F + Sync + 'a,
    ) -> Self {
        Self::tiny_poll_then(name, make, |output| output)
    }

    /// [`tiny_poll`](Self::tiny_poll), giving `black_box` what `then` makes of the
    /// output: what the caller does with it (`Result::ok` for the `Ok` path a `?`
    /// takes), rather than the output whole (whose drop glue the caller's code does
    /// not run on that path).
    pub(crate) fn tiny_poll_then<F: Future, R>(
        name: impl Into<String>,
        make: impl Fn() -> F + Sync + 'a,
        then: impl Fn(F::Output) -> R + Sync + 'a,
    ) -> Self {
        Self::looping(name, move |iters, _thread| {
            let mut cx = Context::from_waker(Waker::noop());
            unrolled(iters, || match pin!(make()).poll(&mut cx) {
                Poll::Ready(value) => then(value),
                Poll::Pending => unreachable!("initialised before measuring"),
            });
        })
    }
}

/// Runs `op` `iters` times, unrolled eight times (see [`Candidate::tiny_op`]).
#[inline]
fn unrolled<R>(iters: u64, mut op: impl FnMut() -> R) {
    for _ in 0..iters / 8 {
        black_box(op());
        black_box(op());
        black_box(op());
        black_box(op());
        black_box(op());
        black_box(op());
        black_box(op());
        black_box(op());
    }
    for _ in 0..iters % 8 {
        black_box(op());
    }
}

/// A target a row must meet, printed as met or missed under the group.
pub(crate) enum Target {
    /// `row` takes at most `ratio` times the anchor's time per op.
    AtMost { row: &'static str, ratio: f64 },
    /// `row` is at least `factor` times faster (more throughput) than `than`.
    FasterThan {
        row: &'static str,
        than: &'static str,
        factor: f64,
    },
}

/// Candidates compared with one another, the first being the anchor (ratio 1.00).
pub(crate) struct Group<'a> {
    pub title: String,
    pub threads: usize,
    pub candidates: Vec<Candidate<'a>>,
    pub targets: Vec<Target>,
}

impl<'a> Group<'a> {
    pub(crate) fn new(title: impl Into<String>, threads: usize) -> Self {
        Self {
            title: title.into(),
            threads,
            candidates: Vec::new(),
            targets: Vec::new(),
        }
    }

    #[must_use]
    pub(crate) fn with(mut self, candidate: Candidate<'a>) -> Self {
        self.candidates.push(candidate);
        self
    }

    #[must_use]
    pub(crate) fn target(mut self, target: Target) -> Self {
        self.targets.push(target);
        self
    }

    /// Measures every candidate in `cfg.rounds` interleaved rounds and prints the group.
    pub(crate) fn run(self, cfg: &Config, out: &mut Report) {
        if cfg
            .filter
            .as_ref()
            .is_some_and(|f| !self.title.contains(f.as_str()))
        {
            return;
        }
        let iters: Vec<u64> = self.candidates.iter().map(|c| calibrate(c, cfg)).collect();
        let mut samples = vec![Vec::with_capacity(cfg.rounds); self.candidates.len()];
        for round in 0..cfg.rounds {
            // Rotate the starting candidate so no row always runs first or last.
            for k in 0..self.candidates.len() {
                let i = (k + round) % self.candidates.len();
                let ns = time_per_op(&self.candidates[i], iters[i], self.threads);
                samples[i].push(ns);
            }
        }
        out.group(
            &self.title,
            self.threads,
            &self.candidates,
            &samples,
            &self.targets,
            cfg.quick,
        );
    }
}

fn calibrate(c: &Candidate<'_>, cfg: &Config) -> u64 {
    let mut iters = 64u64;
    loop {
        let start = Instant::now();
        (c.run)(iters, 0);
        let took = start.elapsed();
        if took >= cfg.sample / 8 || iters >= 1 << 34 {
            let per = took.as_secs_f64() / iters as f64;
            return ((cfg.sample.as_secs_f64() / per.max(1e-12)) as u64).clamp(16, 1 << 34);
        }
        iters *= 4;
    }
}

/// Wall time per operation per thread, with all threads released together.
fn time_per_op(c: &Candidate<'_>, iters: u64, threads: usize) -> f64 {
    if threads == 1 {
        let start = Instant::now();
        (c.run)(iters, 0);
        return start.elapsed().as_nanos() as f64 / iters as f64;
    }
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        for t in 0..threads {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                (c.run)(iters, t);
                barrier.wait();
            });
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed().as_nanos() as f64 / iters as f64
    })
}

/// How many times slower `a` is than `b`: the median over rounds of the ratio of their
/// samples in the same round. Pairing by round cancels slow drift (clock frequency,
/// load on the other core) that a ratio of two medians would keep.
fn paired_ratio(a: &[f64], b: &[f64]) -> f64 {
    median(a.iter().zip(b).map(|(a, b)| a / b).collect())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    }
}

/// The printed table, and whether every target was met.
#[derive(Default)]
pub(crate) struct Report {
    pub missed: Vec<String>,
}

impl Report {
    fn group(
        &mut self,
        title: &str,
        threads: usize,
        candidates: &[Candidate<'_>],
        samples: &[Vec<f64>],
        targets: &[Target],
        quick: bool,
    ) {
        let anchor = &samples[0];
        println!(
            "\n{title} — {threads} thread{}",
            if threads == 1 { "" } else { "s" }
        );
        // The names column is as wide as the group's longest name, so numbers line up.
        let names: Vec<String> = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}{}", c.name, if i == 0 { " (anchor)" } else { "" }))
            .collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        println!("  {:<width$} {:>10} {:>9}", "row", "ns/op", "vs anchor");
        for (name, row) in names.iter().zip(samples) {
            println!(
                "  {name:<width$} {:>10.2} {:>8.2}x",
                median(row.clone()),
                paired_ratio(row, anchor)
            );
        }
        let find = |name: &str| {
            candidates
                .iter()
                .position(|c| c.name == name)
                .map(|i| &samples[i])
        };
        for t in targets {
            let (text, met) = match *t {
                Target::AtMost { row, ratio } => {
                    let r = find(row).map_or(f64::NAN, |row| paired_ratio(row, anchor));
                    (format!("{row} <= {ratio:.2}x anchor: {r:.2}x"), r <= ratio)
                }
                Target::FasterThan { row, than, factor } => {
                    let r = match (find(row), find(than)) {
                        (Some(row), Some(than)) => paired_ratio(than, row),
                        _ => f64::NAN,
                    };
                    (
                        format!("{row} >= {factor:.0}x faster than {than}: {r:.2}x"),
                        r >= factor,
                    )
                }
            };
            let verdict = if quick {
                "(quick run, not judged)"
            } else if met {
                "met"
            } else {
                "MISSED"
            };
            println!("  target: {text} — {verdict}");
            if !met && !quick {
                self.missed.push(format!("{title} ({threads}t): {text}"));
            }
        }
    }
}
