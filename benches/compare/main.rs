//! `cargo bench -p singleton-benches --bench compare` — one table, one process: every
//! primitive of this crate next to the anchors it replaces, as median ns/op of
//! interleaved rounds and as a ratio to the first row of its group.
//!
//! `-- --quick` only checks that every row runs (used by `.ci/run`).
//!
//! Each primitive adds its groups from its own module; `harness` does the measuring.

mod async_;
mod cache;
mod guarded;
mod harness;
mod once;
mod thread_scope;

fn main() {
    let cfg = harness::Config::from_args();
    let mut report = harness::Report::default();
    println!(
        "singleton-runtime comparison ({} interleaved rounds; ns/op is the median, \
         \"vs anchor\" the median of per-round ratios to the group's first row; lower is better)",
        cfg.rounds
    );
    if cfg!(feature = "testing") {
        println!("built with singleton-runtime's `testing` feature (no override active)");
    }
    once::run(&cfg, &mut report);
    async_::run(&cfg, &mut report);
    thread_scope::run(&cfg, &mut report);
    guarded::run(&cfg, &mut report);
    cache::run(&cfg, &mut report);
    if report.missed.is_empty() {
        println!("\nall targets met");
    } else {
        println!("\ntargets missed in this run:");
        for m in &report.missed {
            println!("  {m}");
        }
    }
}
