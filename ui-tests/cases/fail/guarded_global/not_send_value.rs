use std::sync::MutexGuard;

use singleton_runtime::guarded_global;

#[guarded_global]
static HELD: Option<MutexGuard<'static, u32>> = None;

fn main() {}
