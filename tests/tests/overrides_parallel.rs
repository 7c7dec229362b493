//! 16 tests, run in parallel by the harness, each overriding the same four globals (a
//! struct singleton, a fn singleton, a guarded global and a cache) with its own value,
//! hundreds of times, interleaved: each must only ever see its own value inside its
//! overrides, and the real ones outside. `.ci/run` runs this target 50 times.

use std::path::Path;

use singleton_runtime::testing::Overrides;
use singleton_runtime::{guarded_global, invalidating_cache, singleton};

/// What every global holds for real; the tests use 0..16.
const REAL: u32 = 1_000_000;
const ROUNDS: u32 = 300;

#[singleton(init = || Settings { owner: REAL })]
#[derive(Debug)]
struct Settings {
    owner: u32,
}

#[singleton]
fn threshold() -> u32 {
    REAL
}

#[guarded_global]
static LIMIT: u32 = REAL;

#[invalidating_cache(path = "Cargo.toml")]
fn owner_file(path: &Path) -> Result<u32, String> {
    std::fs::metadata(path)
        .map(|_| REAL)
        .map_err(|e| e.to_string())
}

/// Everything one test sees, read through every access path.
fn seen() -> [u32; 5] {
    [
        Settings::instance().owner,
        *threshold(),
        LIMIT.read(|l| *l),
        *owner_file().unwrap(),
        owner_file::cache().peek().map_or(REAL, |v| *v),
    ]
}

fn exercise(me: u32) {
    for round in 0..ROUNDS {
        Settings::override_instance(Settings { owner: me }, || {
            let _threshold = threshold::override_guard(me);
            LIMIT.override_with(me, || {
                let _file = owner_file::override_guard(me);
                for _ in 0..3 {
                    assert_eq!(seen(), [me; 5], "test {me}, round {round}");
                    // A write reaches the override, never the real global.
                    LIMIT.write(|l| *l += 100);
                    assert_eq!(LIMIT.read(|l| *l), me + 100);
                    LIMIT.write(|l| *l -= 100);
                    std::thread::yield_now();
                }
                if round % 50 == 0 {
                    let carried = Overrides::capture();
                    std::thread::scope(|s| {
                        let inherited = s.spawn(|| carried.scope(seen));
                        let plain = s.spawn(|| {
                            [Settings::instance().owner, *threshold(), LIMIT.read(|l| *l)]
                        });
                        assert_eq!(inherited.join().unwrap(), [me; 5]);
                        assert_eq!(plain.join().unwrap(), [REAL; 3], "not inherited");
                    });
                }
            });
        });
        assert_eq!(seen(), [REAL; 5], "test {me}, after round {round}");
    }
}

macro_rules! parallel_tests {
    ($($name:ident = $me:literal;)*) => {
        $(
            #[test]
            fn $name() {
                exercise($me);
            }
        )*
    };
}

parallel_tests! {
    override_00 = 0; override_01 = 1; override_02 = 2; override_03 = 3;
    override_04 = 4; override_05 = 5; override_06 = 6; override_07 = 7;
    override_08 = 8; override_09 = 9; override_10 = 10; override_11 = 11;
    override_12 = 12; override_13 = 13; override_14 = 14; override_15 = 15;
}
